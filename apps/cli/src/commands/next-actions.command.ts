import { Command } from 'commander';
import {
  CustomerNotFoundError,
  fitNextBestActions,
  InvalidQueryError,
  MAX_NBA_BUDGET,
  NbaModelNotFittedError,
  NextActionsQueries,
  NothingToFitError,
} from '@aftercare/application';
import type { NextAction } from '@aftercare/analytics';
import type { NextBestActionsFittedData } from '@aftercare/projections';
import { withApplication } from '../cli-context';
import { parseDateOption, parseIntegerOption } from '../cli-options';
import { cliPrincipal } from '@aftercare/application';
import { progressBar } from '../progress';

const BAD_INPUT = 2;
const num = (x: number, digits = 0) => x.toFixed(digits);
const interval = (i: [number, number] | null, digits = 0) =>
  i === null ? 'no interval' : `[${num(i[0], digits)}, ${num(i[1], digits)}]`;

function formatFit(fit: NextBestActionsFittedData): string {
  const lines = [
    `fit ${fit.fitId} as of ${fit.occurredAt}: ${fit.customers} customers, ${fit.customersWithAction} with an action worth taking`,
    `value model: ${fit.valueModel.bgNbd === null ? `rate-based (${fit.valueModel.bgNbdRefusal ?? ''})` : 'BG/NBD'}, horizon ${fit.valueModel.horizonWeeks} weeks`,
    '',
    fit.effects.scale === 'share-of-service-risk'
      ? 'action                  source      share of  95% interval        treated  controls  cost\n' +
        "                                    service risk (Δ P(stay) = share x the customer's service risk)"
      : 'action                  source      Δ P(stay)  95% interval        treated  controls  cost',
  ];
  for (const e of Object.values(fit.effects.effects)) {
    lines.push(
      `${e.action.padEnd(24)}${e.source.padEnd(12)}${num(e.delta, 3).padStart(9)}  ${interval(e.ci95, 3).padEnd(18)}${String(e.treated).padStart(8)}${String(e.controls).padStart(10)}${num(fit.costs[e.action]).padStart(6)}${e.note ? `  ${e.note}` : ''}`,
    );
  }
  return lines.join('\n');
}

function formatAction(a: NextAction): string {
  const { share, serviceRisk } = a.evidence;
  const delta =
    share && serviceRisk !== undefined
      ? `Δ ${num(share.believed, 3)} x risk ${num(serviceRisk, 3)}`
      : `Δ ${num(a.deltaStay, 3)}`;
  return `${a.action.padEnd(24)} EV ${num(a.expectedValue).padStart(7)} ${interval(a.expectedValueInterval).padEnd(16)} ${delta} x CLV ${num(a.clv)} - ${num(a.cost)}  (${a.evidence.source}; ${a.reason})`;
}

async function withQueries(run: (q: NextActionsQueries) => Promise<void>): Promise<void> {
  await withApplication(async ({ store }) => {
    try {
      await run(new NextActionsQueries(store, 'store', () => new Date()));
    } catch (error) {
      if (
        error instanceof NbaModelNotFittedError ||
        error instanceof CustomerNotFoundError ||
        error instanceof InvalidQueryError
      ) {
        console.error(`error: ${error.message}`);
        process.exitCode = BAD_INPUT;
        return;
      }
      throw error;
    }
  });
}

export function registerNextActionsCommand(program: Command): void {
  const nba = program
    .command('next-actions')
    .description(
      'Next best actions: fit the effects on the store, show a customer, rank for a budget',
    );
  nba
    .command('fit')
    .description(
      "estimate each retention action's effect on staying from the store's history (the share of " +
        'the service risk it takes away, bootstrap interval), fit the value model and rank every customer; recorded ' +
        'as NextBestActionsFitted (docs/next-best-action.md)',
    )
    .option('--calibration-end <date>', 'last day of history to read', parseDateOption)
    .option('--actor <name>', 'who fits (recorded)')
    .option('--json', 'print JSON')
    .option('--no-progress', 'no progress bar')
    .action(
      async (options: {
        calibrationEnd?: string;
        actor?: string;
        json?: boolean;
        progress: boolean;
      }) => {
        const bar = progressBar('read |{bar}| {events} events', options.progress);
        await withApplication(async ({ store }) => {
          try {
            bar?.start(0, 0, { events: 0 });
            const fit = await fitNextBestActions(store, {
              now: new Date().toISOString(),
              calibrationEnd: options.calibrationEnd?.slice(0, 10),
              actor: cliPrincipal(options.actor).id,
              onProgress: ({ events }) => bar?.update(0, { events }),
            }).finally(() => bar?.stop());
            console.log(options.json ? JSON.stringify(fit, null, 2) : formatFit(fit));
          } catch (error) {
            if (!(error instanceof NothingToFitError)) throw error;
            console.error(`error: ${error.message}`);
            process.exitCode = BAD_INPUT;
          }
        });
      },
    );
  nba
    .command('show <customerId>')
    .description("the customer's eligible actions now, best expected value first, with evidence")
    .option('--at <date>', 'business time the actions are for (default now)', parseDateOption)
    .option('--json', 'print JSON')
    .action(async (customerId: string, options: { at?: string; json?: boolean }) =>
      withQueries(async (q) => {
        const result = await q.forCustomer(customerId, options.at);
        if (options.json) return console.log(JSON.stringify(result, null, 2));
        console.log(
          `${customerId} at ${result.at} (fit ${result.fit.fitId}, ${result.currency ?? 'no currency'})`,
        );
        if (result.actions.length === 0) console.log('no eligible action');
        for (const a of result.actions) console.log(formatAction(a));
      }),
    );
  nba
    .command('list')
    .description("whom to act on: each customer's best action at the latest fit, best first")
    .option('--budget <n>', `how many (1..${MAX_NBA_BUDGET})`, parseIntegerOption, 20)
    .option('--json', 'print JSON')
    .action(async (options: { budget: number; json?: boolean }) =>
      withQueries(async (q) => {
        const result = await q.ranked(options.budget);
        if (options.json) return console.log(JSON.stringify(result, null, 2));
        console.log(`fit ${result.fit.fitId} as of ${result.fit.asOf}`);
        for (const r of result.items) {
          console.log(
            `${r.customerId}  ${r.action.padEnd(24)} EV ${num(r.expectedValue).padStart(7)} ${interval(r.expectedValueInterval).padEnd(16)} ${r.currency ?? ''} (${r.source})`,
          );
        }
      }),
    );
}
