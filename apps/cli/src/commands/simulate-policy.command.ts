import { Command, InvalidArgumentError } from 'commander';
import {
  comparePolicy,
  DEFAULT_POLICY_WORLD,
  formatPolicyComparison,
  runPolicyWorld,
  TARGETING_POLICIES,
  type PolicyWorldOptions,
  type TargetingPolicy,
} from '@aftercare/application';
import { parseDateOption, parseIntegerOption, parseNumberOption } from '../cli-options';
import { progressBar } from '../progress';

/** `all`, or policies separated by commas, each once. */
function parsePolicies(value: string): TargetingPolicy[] {
  if (value === 'all') return TARGETING_POLICIES.filter((p) => p !== 'none');
  const names = value.split(',').map((p) => p.trim());
  const unknown = names.filter((p) => !(TARGETING_POLICIES as readonly string[]).includes(p));
  if (unknown.length > 0 || names.length === 0) {
    throw new InvalidArgumentError(
      `Unknown policy ${unknown.join(', ')}: one of ${TARGETING_POLICIES.join(', ')}, or all.`,
    );
  }
  return [...new Set(names as TargetingPolicy[])];
}

const nonNegative = (value: string): number => {
  const n = parseNumberOption(value);
  if (n < 0) throw new InvalidArgumentError('Not a number >= 0.');
  return n;
};

export function registerSimulatePolicyCommand(program: Command): void {
  program
    .command('simulate-policy')
    .description(
      'live the simulated world (no store) and act on --budget customers a month by the chosen ' +
        'targeting for the last --policy-months months; report retained customers and retained ' +
        'value against no targeting in the same world, with bootstrap errors (docs/next-best-action.md)',
    )
    .option('--customers <n>', 'customers in the world', parseIntegerOption, 5000)
    .option('--seed <seed>', 'world seed (any string)', '1')
    .option('--budget <n>', 'customers acted on per month', parseIntegerOption, 100)
    .option(
      '--policy <policies>',
      `targeting: ${TARGETING_POLICIES.join(' | ')}, several separated by commas, or all ` +
        '(none is always run: every gain is against it)',
      parsePolicies,
      ['nba'],
    )
    .option(
      '--action-effect <x>',
      'strength of every action in the ground truth (0: actions do nothing)',
      nonNegative,
      DEFAULT_POLICY_WORLD.actionEffect,
    )
    .option(
      '--organic-actions <rate>',
      'how often agents act unprompted in the history the model learns from (0..1)',
      nonNegative,
      DEFAULT_POLICY_WORLD.organicActions,
    )
    .option(
      '--experience-effect <x>',
      'how strongly bad experience makes customers stop',
      nonNegative,
      DEFAULT_POLICY_WORLD.experienceEffect,
    )
    .option('--from <date>', 'start of the world', parseDateOption, DEFAULT_POLICY_WORLD.from)
    .option('--to <date>', 'end of the world', parseDateOption, DEFAULT_POLICY_WORLD.to)
    .option(
      '--policy-months <n>',
      'months at the end in which the policy acts',
      parseIntegerOption,
      DEFAULT_POLICY_WORLD.policyMonths,
    )
    .option('--json', 'print JSON')
    .option('--no-progress', 'no progress bar')
    .action(
      (
        options: Omit<PolicyWorldOptions, 'from' | 'to'> & {
          from: string;
          to: string;
          policy: TargetingPolicy[];
          json?: boolean;
          progress: boolean;
        },
        command: Command,
      ) => {
        if (options.customers < 1)
          return command.error('error: --customers must be >= 1', { exitCode: 2 });
        if (options.organicActions > 1) {
          return command.error('error: --organic-actions must be between 0 and 1', { exitCode: 2 });
        }
        const world: PolicyWorldOptions = {
          customers: options.customers,
          seed: options.seed,
          budget: options.budget,
          actionEffect: options.actionEffect,
          organicActions: options.organicActions,
          experienceEffect: options.experienceEffect,
          from: new Date(options.from).toISOString(),
          to: new Date(options.to).toISOString(),
          policyMonths: options.policyMonths,
        };
        const runs = ['none' as const, ...options.policy.filter((p) => p !== 'none')];
        const bar = progressBar(
          'simulate |{bar}| {percentage}% | {phase} | ETA {eta_formatted}',
          options.progress,
        );
        const started = Date.now();
        let total = 0;
        try {
          const results = runs.map((policy, r) =>
            runPolicyWorld(world, policy, (step, steps, phase) => {
              if (total === 0) bar?.start((total = steps * runs.length), 0, { phase });
              bar?.update(r * steps + step, { phase });
            }),
          );
          bar?.stop();
          const none = results[0];
          const rows = (runs.length === 1 ? results : results.slice(1)).map((run) =>
            comparePolicy(run, none),
          );
          const seconds = (Date.now() - started) / 1000;
          const nba = results.find((r) => r.policy === 'nba');
          if (options.json) {
            console.log(
              JSON.stringify(
                { options: world, seconds, rows, effects: nba?.effects ?? null },
                null,
                2,
              ),
            );
          } else {
            console.log(formatPolicyComparison(world, rows, seconds));
          }
        } catch (error) {
          bar?.stop();
          if (error instanceof RangeError)
            return command.error(`error: ${error.message}`, { exitCode: 2 });
          throw error;
        }
      },
    );
}
