import { Command } from 'commander';
import {
  ChurnEvaluationInputError,
  DEFAULT_CHURN_HORIZON_WEEKS,
  evaluateChurn,
  formatChurnEvaluation,
} from '@aftercare/application';
import { withApplication } from '../cli-context';
import { parseDateOption, parseIntegerOption } from '../cli-options';
import { progressBar } from '../progress';

export function registerChurnCommand(program: Command): void {
  const churn = program.command('churn').description('Churn risk: measured against known outcomes');
  churn
    .command('evaluate')
    .description(
      'replay the seeded world up to a cut-off, fit the purchase model (MBG/NBD) on it, score every ' +
        'customer alive at the cut-off and report AUC and Brier score of churn risk and of the ' +
        'probability alive alone against the ground truth (see docs/churn.md)',
    )
    .requiredOption('--truth <file>', 'ground-truth NDJSON written by `seed`')
    .option(
      '--cutoff <date>',
      'end of the calibration window (default: --horizon weeks before the end)',
      parseDateOption,
    )
    .option(
      '--horizon <weeks>',
      `weeks from the cut-off to the end when --cutoff is not given (default ${DEFAULT_CHURN_HORIZON_WEEKS})`,
      parseIntegerOption,
    )
    .option('--json', 'print JSON')
    .option('--no-progress', 'no progress bar')
    .action(
      async (
        options: {
          truth: string;
          cutoff?: string;
          horizon?: number;
          json?: boolean;
          progress: boolean;
        },
        command: Command,
      ) => {
        const bar = progressBar(
          'replay |{bar}| {percentage}% | {events} events | ETA {eta_formatted}',
          options.progress,
        );
        const result = await withApplication(({ store }) =>
          evaluateChurn(store, options.truth, {
            cutoff: options.cutoff,
            horizonWeeks: options.horizon,
            onProgress: ({ events, position, head }) => {
              if (bar?.getTotal() === 0 || !bar?.isActive) bar?.start(Number(head), 0);
              bar?.update(Number(position), { events });
            },
          }),
        )
          .catch((error: unknown) => {
            if (error instanceof ChurnEvaluationInputError) {
              return command.error(`error: ${error.message}`, { exitCode: 2 });
            }
            throw error;
          })
          .finally(() => bar?.stop());
        console.log(options.json ? JSON.stringify(result, null, 2) : formatChurnEvaluation(result));
      },
    );
}
