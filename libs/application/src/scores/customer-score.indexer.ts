import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventStore } from '@aftercare/event-store';
import {
  type ClvModelFittedData,
  type CustomerProfileState,
  customerProfileProjection,
  dayOf,
  type SatisfactionStateData,
  satisfactionProjection,
  churnIncidentsProjection,
  type ChurnIncidentsState,
} from '@aftercare/projections';
import {
  type CustomerScoreIndex,
  type CustomerScoreIndexMeta,
  customerScoreIndexOf,
  type CustomerScoreRow,
  type JobContext,
  type ProjectionEngine,
  type ProjectionStatusRecord,
  type ReadModelStore,
  TimeSlice,
} from '@aftercare/read-models';
import {
  PROJECTION_ENGINE,
  PROJECTION_SETTINGS,
  type ProjectionSettings,
  READ_MODEL_STORE,
} from '../projections/projections.tokens';
import { EVENT_STORE } from '../store/event-store.module';
import { fitFor, fitsKey, latestFits, scoreCustomer } from './customer-score';

/** The scheduled consumer's name: its lease and its line in /health. */
export const CUSTOMER_SCORES_CONSUMER = 'customer-scores';

/** The read models a score is computed from: a change to any re-scores the customer. */
const SOURCES = [
  customerProfileProjection,
  satisfactionProjection,
  churnIncidentsProjection,
] as const;

export const SCORE_INDEXER_OPTIONS = Symbol('SCORE_INDEXER_OPTIONS');
export interface ScoreIndexerOptions {
  /** Pause between checks when there is nothing to do. Default 500 ms. */
  idleMs?: number;
  /**
   * Customers scored per transaction. Default 25: each commit is synchronous on the embedded store,
   * and a row costs about a millisecond of CPU there (ten sort indexes): 100 rows held the event
   * loop for 100-130 ms while a refit re-scored 72,000 customers.
   */
  chunk?: number;
  /** Source events read per incremental step. Default 5,000. */
  maxEvents?: number;
  /**
   * Least time between the starts of two incremental steps while changes keep coming: a customer
   * changed several times meanwhile is scored once, and a step's fixed work (statuses, fits, the
   * index's meta and its transaction) is not repeated for every write. Default 100 ms.
   */
  rescoreEveryMs?: number;
  /** A source this many events behind its store is catching up: full passes wait for it. Default 500. */
  behindThreshold?: number;
  clock?: () => Date;
}

/**
 * Keeps the customer score index (see `CustomerScoreIndex`) in step with the read models, in the
 * process that runs the projections: a scheduled consumer of the projection runtime, one instance at
 * a time (its lease), retried with the runtime's policy, working while work waits and checking
 * every `idleMs` otherwise.
 *
 * Scores depend on the customer's folded states, on the CLV fits and on "now", so rows are
 * recomputed on each of the three:
 * - a customer whose profile or satisfaction read model changed is re-scored at once, at the
 *   current time (the indexer follows each source's checkpoint: the events between its watermark
 *   and the checkpoint name the customers to re-score);
 * - a refit (the latest fit of some currency changes), a rebuilt source (epoch) or a new UTC day
 *   starts a full pass, which re-scores every customer at one "now" (the pass's `asOf`), in chunks
 *   that each commit with the position reached, so a restart resumes it. Rows keep serving
 *   meanwhile; when the pass ends, `asOf` moves: every row was scored at or after it.
 * A full pass waits while a source is catching up (its rows would be scored again at once).
 */
@Injectable()
export class CustomerScoreIndexer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('CustomerScores');
  private readonly options: Required<ScoreIndexerOptions>;
  private added = false;
  private index: CustomerScoreIndex | undefined;
  /** Where the running job reports its progress (none when `step` is called directly). */
  private job: JobContext | undefined;
  /** When the index's migration began (performance.now()), while one is under way. */
  private migrationStartedAt: number | undefined;
  /** When the last incremental step that re-scored began (performance.now()). */
  private rescoredAt = Number.NEGATIVE_INFINITY;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(PROJECTION_SETTINGS) private readonly settings: Pick<ProjectionSettings, 'run'>,
    @Optional() @Inject(PROJECTION_ENGINE) private readonly engine?: ProjectionEngine,
    @Optional() @Inject(SCORE_INDEXER_OPTIONS) options: ScoreIndexerOptions = {},
  ) {
    this.options = {
      idleMs: options.idleMs ?? 500,
      chunk: options.chunk ?? 25,
      maxEvents: options.maxEvents ?? 5_000,
      rescoreEveryMs: options.rescoreEveryMs ?? 100,
      behindThreshold: options.behindThreshold ?? 500,
      clock: options.clock ?? (() => new Date()),
    };
  }

  onApplicationBootstrap(): void {
    if (this.settings.run) this.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /** Adds the indexer to the runtime, which runs it here while this instance holds its lease. */
  start(): void {
    if (this.added || !this.engine) return;
    this.added = true;
    this.engine.addConsumer({
      name: CUSTOMER_SCORES_CONSUMER,
      intervalMs: this.options.idleMs,
      run: async (context) => {
        this.job = context;
        const wait = this.rescoredAt + this.options.rescoreEveryMs - performance.now();
        if (wait > 0) {
          const stopped = await sleep(wait, undefined, { signal: context.signal }).then(
            () => false,
            () => true,
          );
          if (stopped) return false;
        }
        return this.step();
      },
    });
  }

  async stop(): Promise<void> {
    if (this.added) await this.engine?.removeConsumer(CUSTOMER_SCORES_CONSUMER);
    this.added = false;
  }

  /**
   * Resolves once the index has a complete pass and covers every change its sources hold now
   * (tests and tools that must read what was just written).
   */
  async waitUntilCurrent(timeoutMs = 30_000): Promise<void> {
    const targets = await this.sourceStatuses();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const meta = await this.scoreIndex().meta();
      const covered = SOURCES.every((p, i) => {
        const watermark = meta.sources[p.name]?.watermark;
        const target = targets?.[i].checkpoint;
        return target === undefined || (watermark != null && BigInt(watermark) >= target);
      });
      if (meta.asOf !== null && meta.pass === null && covered) return;
      if (Date.now() > deadline)
        throw new Error(`The score index is not current after ${timeoutMs} ms`);
      await sleep(20);
    }
  }

  private scoreIndex(): CustomerScoreIndex {
    this.index ??= customerScoreIndexOf(this.readModels);
    if (!this.index) throw new Error('This read-model store holds no customer score index');
    return this.index;
  }

  private async sourceStatuses(): Promise<ProjectionStatusRecord[] | undefined> {
    const statuses = await Promise.all(SOURCES.map((p) => this.readModels.getStatus(p.name)));
    return statuses.every((s) => s !== undefined) ? statuses : undefined;
  }

  /** One unit of work: a migration step, a chunk of a full pass or one incremental step. False: nothing to do. */
  async step(): Promise<boolean> {
    const index = this.scoreIndex();
    if (await this.migrationStep(index)) return true;
    const statuses = await this.sourceStatuses();
    if (!statuses) return false; // the projections are not registered yet
    const meta = await index.meta();
    const now = this.options.clock().toISOString();
    const fits = await latestFits(this.readModels, now);
    const key = fitsKey(fits);
    const sources: CustomerScoreIndexMeta['sources'] = Object.fromEntries(
      SOURCES.map((p, i) => [
        p.name,
        { watermark: statuses[i].checkpoint?.toString() ?? null, epoch: statuses[i].epoch },
      ]),
    );
    const rebuilt = (known: CustomerScoreIndexMeta['sources']) =>
      SOURCES.some((p) => known[p.name]?.epoch !== sources[p.name].epoch);
    if (meta.pass) {
      if (meta.pass.fitsKey === key && !rebuilt(meta.pass.sources)) {
        return this.passChunk(index, meta, fits);
      }
    } else if (
      meta.asOf !== null &&
      meta.fitsKey === key &&
      dayOf(meta.asOf) === dayOf(now) &&
      !rebuilt(meta.sources)
    ) {
      return this.incremental(index, meta, sources, fits, now);
    }
    if (await this.sourcesBehind(statuses)) {
      this.job?.progress({ caughtUp: false });
      return false;
    }
    this.logger.log(
      `full pass as of ${now} (${meta.asOf === null ? 'first build' : meta.pass ? 'restarted: fits or sources changed' : meta.fitsKey !== key ? 'CLV refit' : dayOf(meta.asOf) !== dayOf(now) ? 'new day' : 'source rebuilt'}; fits ${key || 'none'})`,
    );
    await index.write([], { ...meta, pass: { asOf: now, fitsKey: key, afterKey: null, sources } });
    return true;
  }

  /**
   * Builds, a short step at a time, the sort indexes an upgrade added to a table that has rows
   * (the list answers meanwhile, only slower). True while it is under way.
   */
  private async migrationStep(index: CustomerScoreIndex): Promise<boolean> {
    const started = this.migrationStartedAt === undefined ? performance.now() : undefined;
    const more = await index.migrate();
    if (more && started !== undefined) {
      this.migrationStartedAt = started;
      this.logger.log('building the sort indexes the score index lacks, in the background');
    } else if (!more && this.migrationStartedAt !== undefined) {
      const seconds = ((performance.now() - this.migrationStartedAt) / 1000).toFixed(1);
      this.logger.log(`the score index's sort indexes are built (${seconds} s)`);
      this.migrationStartedAt = undefined;
    }
    if (more) this.job?.progress({ caughtUp: false });
    return more;
  }

  /** Scores the next chunk of customers of the full pass at the pass's "now". */
  private async passChunk(
    index: CustomerScoreIndex,
    meta: CustomerScoreIndexMeta,
    fits: ClvModelFittedData[],
  ): Promise<boolean> {
    const pass = meta.pass!;
    const page = await this.readModels.list<CustomerProfileState>(customerProfileProjection.name, {
      limit: this.options.chunk,
      after: pass.afterKey ?? undefined,
    });
    const rows = await this.score(
      page.items.map((item) => item.state),
      fits,
      pass.asOf,
    );
    if (page.nextCursor && page.items.length > 0) {
      await index.write(rows, { ...meta, pass: { ...pass, afterKey: page.nextCursor } });
      this.job?.progress({ caughtUp: false });
      return true;
    }
    await index.write(rows, {
      asOf: pass.asOf,
      fitsKey: pass.fitsKey,
      sources: pass.sources,
      pass: null,
    });
    this.logger.log(`full pass as of ${pass.asOf} done: ${await index.count()} customers scored`);
    this.job?.progress({ caughtUp: true, checkpoint: minWatermark(pass.sources) });
    return true;
  }

  /** Re-scores the customers whose source states changed since the watermarks. */
  private async incremental(
    index: CustomerScoreIndex,
    meta: CustomerScoreIndexMeta,
    current: CustomerScoreIndexMeta['sources'],
    fits: ClvModelFittedData[],
    now: string,
  ): Promise<boolean> {
    const keys = new Set<string>();
    const sources = { ...meta.sources };
    let moved = false;
    for (const projection of SOURCES) {
      const from = meta.sources[projection.name]?.watermark ?? null;
      const to = current[projection.name].watermark;
      if (to === null || (from !== null && BigInt(from) >= BigInt(to))) continue;
      const target = BigInt(to);
      let reached = from;
      let read = 0;
      let passedTarget = false;
      for await (const event of this.store.readAll({
        fromPosition: from === null ? 'start' : BigInt(from),
        filter: projection.filter,
        maxCount: this.options.maxEvents,
      })) {
        if (event.position > target) {
          passedTarget = true;
          break;
        }
        read++;
        const key = projection.keyOf(event);
        if (key !== undefined) keys.add(key);
        reached = event.position.toString();
      }
      if (passedTarget || read < this.options.maxEvents) reached = to;
      sources[projection.name] = { ...current[projection.name], watermark: reached };
      moved = true;
    }
    if (!moved) {
      this.job?.progress({ caughtUp: true, checkpoint: minWatermark(sources) });
      return false;
    }
    this.rescoredAt = performance.now();
    const all = [...keys];
    for (let i = 0; i < all.length || i === 0; i += this.options.chunk) {
      const chunk = all.slice(i, i + this.options.chunk);
      const profiles = await this.readModels.loadStates(customerProfileProjection.name, chunk);
      const rows = await this.score([...profiles.values()] as CustomerProfileState[], fits, now);
      const last = i + this.options.chunk >= all.length;
      // The watermarks move with the last chunk: a crash before it re-scores, never skips.
      await index.write(rows, last ? { ...meta, sources } : meta);
    }
    this.job?.progress({ caughtUp: true, checkpoint: minWatermark(sources) });
    return true;
  }

  private async score(
    profiles: CustomerProfileState[],
    fits: ClvModelFittedData[],
    now: string,
  ): Promise<CustomerScoreRow[]> {
    const satisfactions = await this.readModels.loadStates(
      satisfactionProjection.name,
      profiles.map((p) => p.customerId),
    );
    const incidents = await this.readModels.loadStates(
      churnIncidentsProjection.name,
      profiles.map((p) => p.customerId),
    );
    const rows: CustomerScoreRow[] = [];
    const slice = new TimeSlice();
    for (const profile of profiles) {
      await slice.pause();
      const satisfaction =
        (satisfactions.get(profile.customerId) as SatisfactionStateData | undefined) ??
        satisfactionProjection.initialState(profile.customerId);
      const log = incidents.get(profile.customerId) as ChurnIncidentsState | undefined;
      rows.push(scoreCustomer(profile, satisfaction, fitFor(fits, profile), now, log));
    }
    return rows;
  }

  /** True while a source has at least `behindThreshold` events past its checkpoint. */
  private async sourcesBehind(statuses: ProjectionStatusRecord[]): Promise<boolean> {
    for (const [i, projection] of SOURCES.entries()) {
      let count = 0;
      for await (const _event of this.store.readAll({
        fromPosition: statuses[i].checkpoint ?? 'start',
        filter: projection.filter,
        maxCount: this.options.behindThreshold,
      })) {
        count++;
      }
      if (count >= this.options.behindThreshold) return true;
    }
    return false;
  }
}

function minWatermark(sources: CustomerScoreIndexMeta['sources']): bigint | undefined {
  const marks = Object.values(sources).map((s) => s.watermark);
  if (marks.some((m) => m === null)) return undefined;
  return marks.reduce<bigint | undefined>((min, m) => {
    const value = BigInt(m!);
    return min === undefined || value < min ? value : min;
  }, undefined);
}
