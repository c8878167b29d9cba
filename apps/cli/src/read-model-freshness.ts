import { Command } from 'commander';
import {
  catchUpReadModels,
  describeFreshness,
  ProjectionHost,
  readModelFreshness,
} from '@aftercare/application';
import type { CliApplication } from './cli-context';
import { progressBar } from './progress';

export interface FreshnessOptions {
  allowStale?: boolean;
  progress: boolean;
}

/** `--allow-stale` and `--no-progress` on every command that reads read models. */
export function freshnessOptions(command: Command): Command {
  return command
    .option(
      '--allow-stale',
      'answer from the read models as they are, without catching them up first',
    )
    .option('--no-progress', 'no progress bar while catching up');
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
  const freshness = await readModelFreshness(engine);
  if (freshness.fresh) {
    console.error(describeFreshness(freshness));
    return;
  }
  if (options.allowStale) {
    console.error(`${describeFreshness(freshness)}: STALE, answering as they are (--allow-stale)`);
    return;
  }
  const elsewhere = freshness.projections.filter((p) => p.runningElsewhere && p.lag > 0);
  if (elsewhere.length > 0) {
    throw new Error(
      `${describeFreshness(freshness)}: ${elsewhere.map((p) => p.name).join(', ')} ` +
        'being caught up by a running API or projector. Retry when it has caught up, or pass ' +
        '--allow-stale to answer from the read models as they are.',
    );
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
