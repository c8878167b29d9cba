import { Command, InvalidArgumentError } from 'commander';
import { withApplication } from '../cli-context';
import { progressBar } from '../progress';
import { parseDateOption, parseIntegerOption, parseNumberOption } from '../cli-options';
import { loadAftercareConfig, seedStore, withConfiguration } from '@aftercare/application';
import { type BadBatchOption, DEFAULT_WORLD_OPTIONS, resolveBadBatch } from '@aftercare/simulation';

type SeedCommandOptions = {
  customers: number;
  seed: string;
  from: string;
  to: string;
  truth: string;
  experienceEffect: number;
  organicActions: number;
  actionEffect: number;
  promises?: boolean;
  badBatch?: BadBatchOption;
  storePath?: string;
  progress: boolean;
};

const DEFAULT_TRUTH = './data/seed-truth.ndjson';

function parseEffect(value: string): number {
  const effect = parseNumberOption(value);
  if (effect < 0) throw new InvalidArgumentError(`'${value}' must be >= 0`);
  return effect;
}

/** `SKU:DATE:FACTOR[:CODE]`, checked against the catalogue. */
function parseBadBatch(value: string): BadBatchOption {
  const [sku, from, factor, defectCode, ...rest] = value.split(':');
  const option: BadBatchOption = {
    sku,
    from,
    factor: Number(factor),
    ...(defectCode ? { defectCode } : {}),
  };
  try {
    if (rest.length > 0 || !/^\d{4}-\d{2}-\d{2}$/.test(from ?? '')) {
      throw new RangeError('expected SKU:YYYY-MM-DD:FACTOR[:DEFECT-CODE]');
    }
    resolveBadBatch(option);
  } catch (error) {
    throw new InvalidArgumentError(`'${value}': ${(error as Error).message}`);
  }
  return option;
}

function parseCustomers(value: string): number {
  const customers = parseIntegerOption(value);
  if (customers < 1) throw new InvalidArgumentError(`'${value}' must be at least 1`);
  return customers;
}

export function registerSeedCommand(program: Command): void {
  program
    .command('seed')
    .description(
      'Simulate an after-sales world (customers, purchases, deliveries, setups, complaints, ' +
        'feedback, referrals, returns, repairs, warranty claims) through the domain deciders and ' +
        'append it to the configured store. Deterministic: the same options give the same ' +
        'history, event ids included. Ground truth (latent purchase rate, when each customer ' +
        'stopped buying, experience) goes to a separate NDJSON file, never to the store.',
    )
    .option(
      '--customers <n>',
      'customers to simulate',
      parseCustomers,
      DEFAULT_WORLD_OPTIONS.customers,
    )
    .option('--seed <s>', 'seed of the world (any string)', DEFAULT_WORLD_OPTIONS.seed)
    .option('--from <date>', 'start of the simulated period', parseDateOption, '2022-01-01')
    .option('--to <date>', 'end of the simulated period (exclusive)', parseDateOption, '2025-01-01')
    .option('--truth <file>', 'where to write the ground truth (NDJSON)', DEFAULT_TRUTH)
    .option(
      '--experience-effect <x>',
      'how strongly bad service experience (late deliveries, failed setups, slow or reopened ' +
        'complaints, rejected claims) makes customers stop buying: 0 = no link at all (dropout is ' +
        'pure BG/NBD), 1 = default, 2 = twice as strong. Mostly a lasting hazard: each bad ' +
        'incident adds to a grievance that fades with a 180-day half-life, and while it lasts the ' +
        'customer stops buying at a daily rate proportional to it (x effect x a per-customer ' +
        'sensitivity, mean 1); also higher dropout odds at the next purchase while experience is ' +
        'bad, and a small chance of leaving on the spot. Noisy per customer (docs/churn.md)',
      parseEffect,
      DEFAULT_WORLD_OPTIONS.experienceEffect,
    )
    .option(
      '--organic-actions <rate>',
      'how often agents take retention actions unprompted (0..1): follow-up calls after bad ' +
        'incidents, credits, offers, referral asks, recorded as RetentionActionTaken; the history ' +
        'next-actions fit learns from (docs/next-best-action.md). 0 = none (the default)',
      parseEffect,
      DEFAULT_WORLD_OPTIONS.organicActions,
    )
    .option(
      '--action-effect <x>',
      'how strongly retention actions change outcomes in the ground truth: 0 = they do nothing, ' +
        '1 = default, 2 = twice as strong',
      parseEffect,
      DEFAULT_WORLD_OPTIONS.actionEffect,
    )
    .option(
      '--promises',
      'agents promise each acknowledged complaint a resolution within 7 days, kept or broken as ' +
        'it went: promise lists and kept rates show data (off by default: the world stays as it was)',
    )
    .option(
      '--bad-batch <sku:date:factor[:code]>',
      "plant a bad supplier batch: from DATE, SKU's line-A units (to the end of their half-year " +
        'lot, e.g. 2022H2-A) are FACTOR times as likely to develop a defect, the extra defects ' +
        "all of CODE (default the SKU's first); e.g. SMA-CM-ESP:2022-07-01:5 (docs/defects.md)",
      parseBadBatch,
    )
    .option(
      '--store-path <path>',
      'SQLite file to seed (overrides AFTERCARE_SQLITE_PATH; sqlite store only)',
    )
    .option('--no-progress', 'no progress bar')
    .addHelpText(
      'after',
      '\nThe SQLite store is opened with synchronous=NORMAL while seeding unless ' +
        'AFTERCARE_SQLITE_SYNCHRONOUS is set.\nExample: aftercare seed --customers 70000 --seed 7 ' +
        '--store-path ./data/seeded.db --truth ./data/seeded.truth.ndjson',
    )
    .action(async (options: SeedCommandOptions, command: Command) => {
      // Usage errors print and exit with 2, before anything is opened or written.
      const usage = (message: string): never => command.error(message, { exitCode: 2 });
      if (Date.parse(options.from) >= Date.parse(options.to)) {
        usage(`error: --from (${options.from}) must be before --to (${options.to})`);
      }
      if (options.organicActions > 1) usage('error: --organic-actions must be between 0 and 1');
      // The store's file and its keys follow --store-path; a bulk load: a power cut loses the
      // tail of the run, never its consistency.
      const settled = loadAftercareConfig(undefined, {
        sqlitePath: options.storePath,
        bulkLoad: true,
      });
      const { kind } = settled.store;
      if (options.storePath !== undefined && kind !== 'sqlite') {
        usage(`error: --store-path applies to the sqlite store, but AFTERCARE_STORE=${kind}`);
      }
      const bar = progressBar(
        'seed |{bar}| {value}/{total} customers | {events} events | {rate} events/s | {duration_formatted}',
        options.progress,
      );
      const summary = await withConfiguration(settled, () =>
        withApplication(async ({ store, config }) => {
          bar?.start(options.customers, 0, { events: 0, rate: 0 });
          try {
            const seeded = await seedStore(
              store,
              {
                customers: options.customers,
                seed: options.seed,
                from: options.from,
                to: options.to,
                experienceEffect: options.experienceEffect,
                organicActions: options.organicActions,
                actionEffect: options.actionEffect,
                promises: options.promises === true,
                ...(options.badBatch ? { badBatch: options.badBatch } : {}),
              },
              {
                truthPath: options.truth,
                onProgress: (p) =>
                  bar?.update(p.customers, {
                    events: p.events,
                    rate: Math.round(p.events / Math.max(p.elapsedMs / 1000, 1e-3)),
                  }),
              },
            );
            return { ...seeded, config };
          } finally {
            bar?.stop();
          }
        }),
      );
      const { config } = summary;
      const where = config.kind === 'sqlite' ? `${config.kind} ${config.sqlitePath}` : config.kind;
      console.log(
        `Seeded ${summary.customers} customers into ${where}: ${summary.events} events in ` +
          `${summary.streams} streams (${summary.warrantyClaims} warranty claims) in ` +
          `${(summary.elapsedMs / 1000).toFixed(1)} s, ${summary.eventsPerSecond} events/s`,
      );
      if (options.badBatch) {
        const planted = resolveBadBatch(options.badBatch);
        console.log(
          `Planted bad batch ${planted.supplierBatch} of ${planted.sku} (x${planted.factor}, ` +
            `extra defects ${planted.defectCode}) from ${options.badBatch.from}`,
        );
      }
      console.log(
        `${summary.stoppedBuying} customers stopped buying before ${options.to}; ground truth in ${summary.truthPath}`,
      );
      if (summary.refusals.length > 0) {
        const first = summary.refusals[0];
        console.error(
          `Warning: the domain refused ${summary.refusals.length} simulated commands (skipped), ` +
            `e.g. ${first.command}: ${first.code} ${first.message}`,
        );
      }
    });
}
