import { Command } from 'commander';
import { runApiBench } from '../bench/api.bench';
import { runReplayBench } from '../bench/replay.bench';
import { runSeedBench } from '../bench/seed.bench';
import { runSseBench } from '../bench/sse.bench';
import { runStoreBench } from '../bench/store.bench';
import { parseIntegerOption } from '../cli-options';

export function registerBenchCommand(program: Command): void {
  const bench = program
    .command('bench')
    .description('Benchmarks: ratios against raw baselines measured in the same run');
  bench
    .command('store')
    .description(
      'append, $all read and subscription latency per reachable adapter, against raw driver baselines',
    )
    .option('--events <n>', 'events per measurement', parseIntegerOption)
    .option(
      '--database-url <url>',
      'PostgreSQL to measure',
      process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    )
    .option('--no-postgres', 'skip PostgreSQL')
    .option('--no-sqlite', 'skip SQLite')
    .action(
      async (options: {
        events?: number;
        databaseUrl: string;
        postgres: boolean;
        sqlite: boolean;
      }) => {
        await runStoreBench({
          events: options.events,
          stores: [
            ...(options.sqlite ? (['sqlite'] as const) : []),
            ...(options.postgres ? (['postgres'] as const) : []),
          ],
          databaseUrl: options.databaseUrl,
          log: (line) => console.log(line),
        });
      },
    );
  bench
    .command('sse')
    .description('SSE delivery latency (append -> HTTP client) next to an in-process subscription')
    .option('--events <n>', 'events to measure', parseIntegerOption)
    .action(async (options: { events?: number }) => {
      await runSseBench({ events: options.events, log: (line) => console.log(line) });
    });
  bench
    .command('replay')
    .description(
      'rebuild every projection from a seeded store of ~1M events, next to reading and parsing the same events',
    )
    .option(
      '--customers <n>',
      'customers of the seeded world (default 75,000: about 1.07M events)',
      parseIntegerOption,
    )
    .option('--db <path>', 'an already seeded SQLite store to use instead')
    .option('--portable', 'also rebuild through the portable readAll path')
    .action(async (options: { customers?: number; db?: string; portable?: boolean }) => {
      await runReplayBench({
        customers: options.customers,
        dbPath: options.db,
        portable: options.portable,
        log: (line) => console.log(line),
      });
    });
  bench
    .command('seed')
    .description(
      'seed a world of ~1M events, next to plain better-sqlite3 inserting the same rows in big transactions',
    )
    .option(
      '--customers <n>',
      'customers of the seeded world (default 72,000: about 1.03M events)',
      parseIntegerOption,
    )
    .option('--seed <s>', 'seed of the world', '1')
    .option('--workers <n>', 'simulation threads (default: one per core)', parseIntegerOption)
    .action(async (options: { customers?: number; seed: string; workers?: number }) => {
      await runSeedBench({
        customers: options.customers,
        seed: options.seed,
        workers: options.workers,
        log: (line) => console.log(line),
      });
    });
  bench
    .command('api')
    .description(
      'HTTP writes and reads on the embedded store, next to a bare Node server doing the same work',
    )
    .option('--seconds <n>', 'seconds per measurement (default 10)', parseIntegerOption)
    .option(
      '--customers <n>',
      'customers registered before measuring (default 300)',
      parseIntegerOption,
    )
    .option('--projections-off', 'run the API with AFTERCARE_PROJECTIONS=off')
    .option(
      '--warm-up <n>',
      'seconds each scenario runs unmeasured before the measurements (default 3; 0: none)',
      parseIntegerOption,
    )
    .option(
      '--database-url <url>',
      'run the API and the bare server on PostgreSQL instead (schemas of their own, dropped after)',
    )
    .action(async (options: ApiCommandOptions) => {
      await runApiBench({
        seconds: options.seconds,
        customers: options.customers,
        warmUpSeconds: options.warmUp,
        databaseUrl: options.databaseUrl,
        ...(options.projectionsOff ? { apiEnv: { AFTERCARE_PROJECTIONS: 'off' } } : {}),
        log: (line) => console.log(line),
      });
    });
}

interface ApiCommandOptions {
  seconds?: number;
  customers?: number;
  projectionsOff?: boolean;
  warmUp?: number;
  databaseUrl?: string;
}
