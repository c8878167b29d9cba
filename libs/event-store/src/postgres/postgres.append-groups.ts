/**
 * Single-event appends of one process, sent together when they pile up.
 *
 * Each append to PostgreSQL is a round trip and a commit of its own. With many callers on a small
 * machine, those round trips and commits are what the appends compete for, not the inserts. So at
 * most `maxInFlight` round trips of single-event appends are out at once: an append that finds a
 * free slot is sent at once, alone (a lone caller never waits); appends asked for while every
 * slot is taken wait for the next free one and go together, in one statement and one commit
 * (`es_append_each`), each with its own checks and its own outcome.
 */
export interface SingleAppend {
  streamId: string;
  /** The append's expected revision as the stored functions take it ('any', 'no_stream', ...). */
  expected: string;
}

/** Appends in one round trip at most; beyond it they wait for the next. */
export const MAX_GROUP = 64;

export class AppendGroups<A extends SingleAppend, R> {
  private inFlight = 0;
  /** A round trip came back: the next group is formed once its callers have asked again. */
  private pumpScheduled = false;
  private readonly waiting: { append: A; resolve: (r: R) => void; reject: (e: unknown) => void }[] =
    [];

  constructor(
    private readonly maxInFlight: number,
    /** One append alone. */
    private readonly sendOne: (append: A) => Promise<R>,
    /**
     * Several appends in one round trip, ordered by stream (one process's groups then lock
     * streams in the same order); one settled outcome per append, in the order given.
     */
    private readonly sendGroup: (appends: A[]) => Promise<PromiseSettledResult<R>[]>,
  ) {}

  append(append: A): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ append, resolve, reject });
      if (!this.pumpScheduled) this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.waiting.length > 0) {
      // Sorting is stable: appends to one stream keep the order they were asked in.
      const group = this.waiting
        .splice(0, MAX_GROUP)
        .sort((a, b) => compare(a.append.streamId, b.append.streamId));
      this.inFlight++;
      void this.send(group).finally(() => {
        this.inFlight--;
        // The callers just answered usually append again at once; sending the first of them
        // alone would leave the others a round trip behind, so wait for the turn of the loop.
        if (this.pumpScheduled) return;
        this.pumpScheduled = true;
        setImmediate(() => {
          this.pumpScheduled = false;
          this.pump();
        });
      });
    }
  }

  private async send(group: typeof this.waiting): Promise<void> {
    if (group.length === 1) {
      const [only] = group;
      await this.sendOne(only.append).then(only.resolve, only.reject);
      return;
    }
    try {
      const outcomes = await this.sendGroup(group.map((g) => g.append));
      outcomes.forEach((outcome, i) => {
        if (outcome.status === 'fulfilled') group[i].resolve(outcome.value);
        else group[i].reject(outcome.reason);
      });
    } catch (error) {
      for (const member of group) member.reject(error);
    }
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
