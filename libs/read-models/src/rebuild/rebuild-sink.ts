import type { GlobalPosition } from '@aftercare/event-store';
import type { AnyProjection } from '@aftercare/projections';
import type { EncodedState, ReadModelStore, StateWrite } from '../read-model-store';
import { type StateEncoder, stateEncoder } from '../state-encoding';

/** A key's folded state: the state (or its encoding, from a worker) and its last event's position. */
export interface FoldedState {
  state: unknown;
  position: GlobalPosition;
  encoded?: EncodedState;
}

/** Folded states of one projection, in memory until they are handed over. */
export type FoldedStates = Map<string, FoldedState>;

/**
 * Where a rebuild source hands over final states: a state handed over is never changed again by
 * the rebuild, so it can be written (and forgotten) at once.
 */
export interface RebuildSink {
  /** The final state of `key` in `projections[projection]`. Each key is handed over once. */
  done(projection: number, key: string, folded: FoldedState): void;
  /** Writes what was handed over, once a chunk of it has gathered. Sources call it between pages. */
  flush(): Promise<void>;
  /** Empties the rebuild tables and forgets every state handed over: the source starts over. */
  restart(): Promise<void>;
  /**
   * Writes everything handed over, then tells whether a key of one of these projections was
   * handed over more than once (a source that folds in groups checks it: a key split across
   * groups was folded from part of its events).
   */
  repeatedKeys(projections: readonly number[]): Promise<boolean>;
}

/** Hands over every state of `states` (one map per projection, in order), flushing as it goes. */
export async function handOver(states: FoldedStates[], sink: RebuildSink): Promise<void> {
  for (let i = 0; i < states.length; i++) {
    let count = 0;
    for (const [key, folded] of states[i]) {
      sink.done(i, key, folded);
      if (++count % 1000 === 0) await sink.flush();
    }
    states[i].clear();
  }
}

/**
 * JSON gathered before a flush writes it, whatever the number of states. Small: what waits here
 * outlives the young generation and is promoted, and a rebuild's peak memory is mostly such
 * garbage between major collections (72k-customer store, one thread: 4 MiB and 5,000 states per
 * chunk peaked at 327 MB of RSS, 256 KiB and 500 at 249-270 MB, for the same CPU).
 */
const FLUSH_BYTES = 256 * 2 ** 10;

/**
 * The rebuild's sink: serialises each state as it is handed over (only its JSON is kept, not its
 * objects) and writes them into the rebuild tables in chunks of `chunk` states or 256 KiB of JSON,
 * each chunk in one transaction.
 */
export class RebuildTableWriter implements RebuildSink {
  private pending: StateWrite[][];
  private pendingBytes: number[];
  private readonly encoders: StateEncoder[];
  readonly keys: number[];

  constructor(
    private readonly readModels: ReadModelStore,
    private readonly projections: readonly AnyProjection[],
    private readonly chunk: number,
  ) {
    this.pending = projections.map(() => []);
    this.pendingBytes = projections.map(() => 0);
    this.keys = projections.map(() => 0);
    this.encoders = projections.map(stateEncoder);
  }

  done(projection: number, key: string, folded: FoldedState): void {
    const write: StateWrite = {
      key,
      state: undefined,
      position: folded.position,
      encoded: folded.encoded ?? this.encoders[projection](key, folded.state),
    };
    this.pending[projection].push(write);
    this.pendingBytes[projection] += write.encoded!.json.length;
    this.keys[projection]++;
  }

  async flush(): Promise<void> {
    for (let i = 0; i < this.projections.length; i++) {
      if (this.pending[i].length >= this.chunk || this.pendingBytes[i] >= FLUSH_BYTES) {
        await this.write(i);
      }
    }
  }

  /** Writes everything still pending. */
  async finish(): Promise<void> {
    for (let i = 0; i < this.projections.length; i++) {
      if (this.pending[i].length) await this.write(i);
    }
  }

  async repeatedKeys(projections: readonly number[]): Promise<boolean> {
    await this.finish();
    for (const i of projections) {
      // The rebuild tables keep one row per key: fewer rows than keys handed over means repeats.
      const rows = await this.readModels.countRebuildRows(this.projections[i]);
      if (rows !== this.keys[i]) return true;
    }
    return false;
  }

  async restart(): Promise<void> {
    for (let i = 0; i < this.projections.length; i++) {
      this.pending[i] = [];
      this.pendingBytes[i] = 0;
      this.keys[i] = 0;
      await this.readModels.beginRebuild(this.projections[i]);
    }
  }

  private async write(i: number): Promise<void> {
    const writes = this.pending[i];
    this.pending[i] = [];
    this.pendingBytes[i] = 0;
    await this.readModels.writeRebuildStates(this.projections[i], writes);
  }
}
