import { Command, InvalidArgumentError } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  catchUpReadModels,
  describeFreshness,
  ProjectionHost,
  readModelFreshness,
  type ReadModelFreshness,
} from '@aftercare/application';
import type { CliApplication } from './cli-context';
import { progressBar } from './progress';

export interface FreshnessOptions {
  allowStale?: boolean;
  progress: boolean;
  /** Seconds to wait for a running API or projector to apply what the store held at the start. */
  wait?: number;
}

const seconds = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('Not a number of seconds >= 0.');
  return n;
};

/** `--allow-stale` and `--no-progress` on every command that reads read models. */
export function freshnessOptions(command: Command): Command {
  return command
    .option(
      '--allow-stale',
      'answer from the read models as they are, without catching them up first',
    )
    .option('--no-progress', 'no progress bar')
    .option(
      '--wait <seconds>',
      'how long to wait for a running API or projector to catch up before refusing',
      seconds,
      15,
    );
}

/**
 * Before a command reads read models: says on stderr where they stand (checkpoint, head, lag).
 * Behind and nobody catching them up: catches them up here first, with a progress bar. Behind
 * while an API or projector is catching them up: refuses, unless `--allow-stale`.
 */
export async function ensureFreshReadModels(
  cli: CliApplication,
  options: FreshnessOptions,
): Promise<void> {
  const engine = cli.app.get(ProjectionHost).engine;
  let freshness = await readModelFreshness(engine);
  if (freshness.fresh) {
    console.error(describeFreshness(freshness));
    return;
  }
  if (options.allowStale) {
    console.error(`${describeFreshness(freshness)}: STALE, answering as they are (--allow-stale)`);
    return;
  }
  // A running API applies new events within moments (and writes some itself, tasks and
  // signals, so its head moves on): what the command needs is everything the store held when
  // it started. Wait for that, then answer; refuse only if it does not come.
  const start = freshness.head ?? 0n;
  const behindStart = (p: ReadModelFreshness['projections'][number]) =>
    p.lag > 0 && (p.checkpoint ?? 0n) < start;
  const elsewhereBehind = () =>
    freshness.projections.filter((p) => p.runningElsewhere && behindStart(p));
  if (elsewhereBehind().length > 0) {
    const waitMs = (options.wait ?? 15) * 1000;
    const deadline = Date.now() + waitMs;
    while (elsewhereBehind().length > 0 && Date.now() < deadline) {
      await sleep(Math.min(250, Math.max(0, deadline - Date.now())));
      freshness = await readModelFreshness(engine);
    }
    const elsewhere = elsewhereBehind();
    if (elsewhere.length > 0) {
      throw new Error(
        `${describeFreshness(freshness)}: ${elsewhere.map((p) => p.name).join(', ')} ` +
          `still being caught up by a running API or projector after ${waitMs / 1000} s. Retry ` +
          'when it has caught up (or raise --wait), or pass --allow-stale to answer from the ' +
          'read models as they are.',
      );
    }
    if (!freshness.projections.some(behindStart)) {
      console.error(
        `${describeFreshness(freshness)}: every event up to position ${start} (the head when ` +
          'the command started) applied',
      );
      return;
    }
  }
  console.error(`${describeFreshness(freshness)}: catching up first (--allow-stale skips this)`);
  const bar = progressBar(
    'catch-up |{bar}| {percentage}% | position {value}/{total} | lag {lag} | ETA {eta_formatted}',
    options.progress,
  );
  try {
    const caughtUp = await catchUpReadModels(engine, {
      onProgress: ({ head, checkpoint, lag }) => {
        if (!bar?.isActive) bar?.start(Math.max(1, Number(head)), 0, { lag });
        bar?.update(Number(checkpoint), { lag });
      },
    });
    bar?.stop();
    console.error(describeFreshness(caughtUp));
  } finally {
    bar?.stop();
  }
}
