import type { GlobalPosition } from '@aftercare/event-store';
import type { ProjectionEngine, ProjectionStatusView } from '@aftercare/read-models';

/** How far the read models a reader relies on are behind the event store. */
export interface ReadModelFreshness {
  head: GlobalPosition | undefined;
  projections: {
    name: string;
    status: ProjectionStatusView['status'];
    checkpoint: GlobalPosition | undefined;
    /** Events past the checkpoint that the projection follows (a lower bound when `lagIsLowerBound`). */
    lag: number;
    lagIsLowerBound: boolean;
    /** Another live instance (API or projector) holds its lease and is applying events. */
    runningElsewhere: boolean;
  }[];
  /** Every projection has applied every event it follows. */
  fresh: boolean;
  /**
   * The smallest checkpoint of the projections still behind (the head when none is), and the
   * total lag: what a one-line report shows.
   */
  checkpoint: GlobalPosition | undefined;
  lag: number;
}

export interface CatchUpProgress {
  head: GlobalPosition;
  /** The smallest checkpoint among the projections still catching up. */
  checkpoint: GlobalPosition;
  lag: number;
}

/** Freshness of `names` (default: every projection of the engine). */
export async function readModelFreshness(
  engine: ProjectionEngine,
  names: readonly string[] = engine.names(),
  now: Date = new Date(),
): Promise<ReadModelFreshness> {
  const views = (await engine.status()).filter((view) => names.includes(view.name));
  const projections = [];
  for (const view of views) {
    const stored = await engine.readModels.getStatus(view.name);
    const leaseLive =
      stored?.leaseExpiresAt !== undefined && Date.parse(stored.leaseExpiresAt) > now.getTime();
    projections.push({
      name: view.name,
      status: view.status,
      checkpoint: view.checkpoint,
      lag: view.lag,
      lagIsLowerBound: view.lagIsLowerBound,
      runningElsewhere: leaseLive && !view.runningHere && view.owner !== undefined,
    });
  }
  const head = views[0]?.headPosition;
  const behind = projections.filter((p) => p.lag > 0).map((p) => p.checkpoint ?? 0n);
  return {
    head,
    projections,
    fresh: behind.length === 0,
    checkpoint: behind.length ? behind.reduce((a, b) => (b < a ? b : a)) : head,
    lag: projections.reduce((sum, p) => sum + p.lag, 0),
  };
}

export class ProjectionFailedError extends Error {
  constructor(readonly projections: string[]) {
    super(
      `Projection ${projections.join(', ')} failed and is stopped: see 'projections status', ` +
        "fix the cause, then 'projections resume <name>'",
    );
    this.name = 'ProjectionFailedError';
  }
}

/**
 * Catches the read models up now, in this process: starts the engine (it takes each projection's
 * lease, so an API or projector starting meanwhile never applies an event twice), waits until
 * every projection has applied every event up to the head read at the start, and stops it.
 */
export async function catchUpReadModels(
  engine: ProjectionEngine,
  options: { onProgress?: (progress: CatchUpProgress) => void; pollMs?: number } = {},
): Promise<ReadModelFreshness> {
  await engine.start();
  try {
    for (;;) {
      const freshness = await readModelFreshness(engine);
      const failed = freshness.projections.filter((p) => p.status === 'failed');
      if (failed.length > 0) throw new ProjectionFailedError(failed.map((p) => p.name));
      options.onProgress?.({
        head: freshness.head ?? 0n,
        checkpoint: freshness.checkpoint ?? 0n,
        lag: freshness.lag,
      });
      if (freshness.fresh) return freshness;
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
    }
  } finally {
    await engine.stop();
  }
}

/** One line for a reader: where the read models stand against the store. */
export function describeFreshness(freshness: ReadModelFreshness): string {
  const lower = freshness.projections.some((p) => p.lagIsLowerBound) ? '+' : '';
  return (
    `read models: checkpoint ${freshness.checkpoint ?? '-'}, head ${freshness.head ?? '-'}, ` +
    `lag ${freshness.lag}${lower} events`
  );
}
