import type { EventStore, GlobalPosition } from '@aftercare/event-store';
import { customerScoreIndexOf, type ProjectionEngine } from '@aftercare/read-models';

/** The longest a read waits for the read models to reach the position it asks for. */
export const MIN_POSITION_WAIT_MS = 5_000;

export interface MinPositionOutcome {
  position: GlobalPosition;
  /** Every read model waited for has applied every event it follows up to `position`. */
  reached: boolean;
  /** The store's head when the wait ended (below `position`: no such event yet). */
  head: GlobalPosition;
  /** The read models (and `customer-scores`, when asked for) still behind when the wait ended. */
  behind: string[];
  /**
   * No write was ever given `position`: it is above the head of a store whose head covers every
   * acknowledged append (`EventStore.headCoversAcknowledged`). Answered at once, without a wait.
   */
  neverWritten?: boolean;
}

/** What `behind` calls the customer score index. */
export const SCORE_INDEX = 'customer-scores';

/** Poll delays while another process runs a projection: 10 ms, doubling, at most 250 ms. */
const FIRST_POLL_MS = 10;
const MAX_POLL_MS = 250;

/**
 * Read your own writes: a write answers the global position of its last event, and a read that
 * passes it back waits here (bounded) until the read models have applied every event they follow
 * up to it. A read model has when its checkpoint is there, or when no event it follows lies
 * between its checkpoint and the position (its filter skips the rest): the store is asked for the
 * first such event, and what was found empty is remembered, so the next read asks only about
 * positions after it. Where this process runs the projection the wait is the runner's own
 * notification; where another process does (a separate projector, another API instance), the
 * stored checkpoint is read again with backoff.
 */
export class ReadYourWrites {
  /** Per read model: every event it follows up to here is applied (checkpoint or found empty). */
  private readonly applied = new Map<string, GlobalPosition>();

  constructor(
    private readonly engine: ProjectionEngine,
    private readonly store: EventStore,
  ) {}

  /**
   * Waits at most `timeoutMs` until every read model in `names` (default: all) has applied what
   * it follows up to `position`, and with `scores` until the customer score index has scored
   * what its source read models had then. Never throws for a position beyond the head: says so,
   * at once where the store's head covers every acknowledged append (no write can be waited for).
   */
  async waitFor(
    position: GlobalPosition,
    options: { names?: readonly string[]; timeoutMs?: number; scores?: boolean } = {},
  ): Promise<MinPositionOutcome> {
    const names = options.names ?? this.engine.names();
    const deadline = Date.now() + (options.timeoutMs ?? MIN_POSITION_WAIT_MS);
    let head = (await this.store.headPosition()) ?? 0n;
    if (head < position) {
      if (this.store.headCoversAcknowledged) {
        return { position, reached: false, head, behind: [...names], neverWritten: true };
      }
      head = await this.headAtLeast(position, deadline);
      if (head < position) return { position, reached: false, head, behind: [...names] };
    }
    const reached = await Promise.all(names.map((name) => this.reach(name, position, deadline)));
    const behind = names.filter((_, i) => !reached[i]);
    if (options.scores && behind.length === 0 && !(await this.scored(position, deadline))) {
      behind.push(SCORE_INDEX);
    }
    return { position, reached: behind.length === 0, head, behind };
  }

  /**
   * The score index re-scores the customers its sources (the profile and satisfaction read
   * models) changed, and records up to which checkpoint of each it has: it covers `position` once
   * each watermark is at the source's checkpoint as of `position` (read once, so a busy store's
   * moving checkpoints are not chased).
   */
  private async scored(position: GlobalPosition, deadline: number): Promise<boolean> {
    const index = customerScoreIndexOf(this.engine.readModels);
    if (!index) return true;
    let targets: Map<string, GlobalPosition | undefined> | undefined;
    for (let attempt = 0; ; attempt++) {
      const { sources } = await index.meta();
      if (!targets && Object.keys(sources).length > 0) {
        targets = new Map();
        for (const name of Object.keys(sources)) {
          const checkpoint = (await this.engine.readModels.getStatus(name))?.checkpoint;
          targets.set(
            name,
            checkpoint !== undefined && checkpoint < position ? checkpoint : position,
          );
        }
      }
      const covered =
        targets !== undefined &&
        [...targets].every(([name, target]) => {
          const watermark = sources[name]?.watermark;
          return target === undefined || (watermark != null && BigInt(watermark) >= target);
        });
      if (covered) return true;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return false;
      await sleep(Math.min(pollDelay(attempt), remaining));
    }
  }

  /**
   * The store's head once it is at `position` or the deadline passed. A position beyond the head
   * is a client's mistake, or a write another instance acknowledged that this one cannot see yet.
   */
  private async headAtLeast(position: GlobalPosition, deadline: number): Promise<GlobalPosition> {
    for (let attempt = 0; ; attempt++) {
      const head = (await this.store.headPosition()) ?? 0n;
      if (head >= position || Date.now() >= deadline) return head;
      await sleep(Math.min(pollDelay(attempt), deadline - Date.now()));
    }
  }

  private async reach(name: string, position: GlobalPosition, deadline: number): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      const applied = await this.appliedThrough(name);
      if (applied >= position) return true;
      const next = await this.nextFollowed(name, applied);
      if (next === undefined || next > position) {
        this.remember(name, position);
        return true;
      }
      this.remember(name, next - 1n);
      const remaining = deadline - Date.now();
      if (remaining <= 0) return false;
      // The runner here resolves the wait when it commits; otherwise the stored checkpoint is
      // read again after a backoff. Either way the wait ends at the deadline.
      const step = new AbortController();
      const here = this.engine.whenApplied(name, next, step.signal);
      await sleep(here ? remaining : Math.min(pollDelay(attempt), remaining), here);
      step.abort();
    }
  }

  /** The furthest known of: the runner here, the stored checkpoint, what was found empty. */
  private async appliedThrough(name: string): Promise<GlobalPosition> {
    let applied = this.applied.get(name) ?? 0n;
    const here = this.engine.appliedThrough(name);
    if (here !== undefined && here > applied) applied = here;
    if (here === undefined) {
      const stored = (await this.engine.readModels.getStatus(name))?.checkpoint;
      if (stored !== undefined && stored > applied) applied = stored;
    }
    this.remember(name, applied);
    return applied;
  }

  /** The position of the first event after `after` that the projection follows, if any. */
  private async nextFollowed(
    name: string,
    after: GlobalPosition,
  ): Promise<GlobalPosition | undefined> {
    const { filter } = this.engine.projection(name);
    for await (const event of this.store.readAll({
      fromPosition: after > 0n ? after : 'start',
      filter,
      maxCount: 1,
    })) {
      return event.position;
    }
    return undefined;
  }

  private remember(name: string, position: GlobalPosition): void {
    const known = this.applied.get(name);
    if (known === undefined || position > known) this.applied.set(name, position);
  }
}

function pollDelay(attempt: number): number {
  return Math.min(MAX_POLL_MS, FIRST_POLL_MS * 2 ** Math.min(attempt, 5));
}

/** Resolves after `ms`, or as soon as `until` does (its timer cleared then). */
async function sleep(ms: number, until?: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, Math.max(0, ms));
      }),
      ...(until ? [until] : []),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
