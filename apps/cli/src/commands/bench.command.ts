import { Command } from 'commander';
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
    .action(async (options: { events?: number; databaseUrl: string; postgres: boolean }) => {
      await runStoreBench({
        events: options.events,
        stores: options.postgres ? ['sqlite', 'postgres'] : ['sqlite'],
        databaseUrl: options.databaseUrl,
        log: (line) => console.log(line),
      });
    });
  bench
    .command('sse')
    .description('SSE delivery latency (append -> HTTP client) next to an in-process subscription')
    .option('--events <n>', 'events to measure', parseIntegerOption)
    .action(async (options: { events?: number }) => {
      await runSseBench({ events: options.events, log: (line) => console.log(line) });
    });
}
