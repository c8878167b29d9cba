import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { GlobalPosition } from '@aftercare/event-store';
import type { AnyProjection } from '@aftercare/projections';
import { CatchUpProgress, formatDuration } from './catch-up-progress';
import {
  type CachedProjectionStatus,
  type ProjectionEngineOptions,
  type ProjectionStatusView,
  UnknownProjectionError,
} from './projection-engine.types';
import type { ConsumerStatus, EventConsumer, RunnerOutcome, ScheduledConsumer } from './consumer';
import { ConsumerRunner } from './consumer-runner';
import { ConsumerSet } from './consumer-set';
import { ProjectionConsumer } from './projection-consumer';
import { RetryPolicy } from './retry-policy';
import type { ReadModelStore } from '../read-model-store';
import {
  RebuildFailedError,
  RebuildInProgressError,
  rebuildProjections,
  type RebuildProgress,
  type RebuildResult,
} from '../rebuild/rebuild';

/** The offline rebuild this instance runs (see `ProjectionEngineOptions.offlineRebuild`). */
interface OfflineRun {
  names: Set<string>;
  abort: AbortController;
  progress: RebuildProgress | undefined;
  loggedAt: number;
  loggedPhase: RebuildProgress['phase'] | undefined;
  done: Promise<void>;
}

export * from './projection-engine.types';

/**
 * The projection runtime. Runs projections and other consumers of the event log (reactors such
 * as signals and webhook deliveries, scheduled jobs such as CLV refits) with one runner: each
 * consumer is run by one instance at a time (a lease in the read-model store), gets its events in
 * batches from its own checkpoint, and is retried with one policy; instances without the lease
 * stand by and take over when it expires. A projection that fails on an event stops alone;
 * `resume()` restarts it from its checkpoint.
 */
export class ProjectionEngine {
  readonly instanceId: string;
  private readonly projections = new Map<string, AnyProjection>();
  private readonly runners = new Map<string, ConsumerRunner>();
  private readonly consumers: ConsumerSet;
  private readonly retry: RetryPolicy;
  /** Whether this instance runs the projections (consumers run wherever they are added). */
  private runProjections = false;
  private readonly rebuilding = new Set<string>();
  private offline: OfflineRun | undefined;
  /** Projections whose offline rebuild failed for a reason not their own: they catch up live. */
  private readonly liveOnly = new Set<string>();
  private readonly settings: Required<
    Pick<
      ProjectionEngineOptions,
      | 'leaseTtlMs'
      | 'batchSize'
      | 'batchWaitMs'
      | 'projectionBatchWaitMs'
      | 'cacheSize'
      | 'rebuildOnVersionChange'
      | 'lagCountLimit'
      | 'progressIntervalMs'
      | 'log'
      | 'warn'
    >
  >;
  private timer: NodeJS.Timeout | undefined;
  private progressTimer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private started = false;
  private cached: CachedProjectionStatus | undefined;
  private refreshing: Promise<CachedProjectionStatus> | undefined;
  /** The refresh asked for while `refreshing` runs: it starts when that one ends. */
  private nextRefresh: Promise<CachedProjectionStatus> | undefined;
  private readonly progress: CatchUpProgress;

  constructor(private readonly options: ProjectionEngineOptions) {
    this.instanceId =
      options.instanceId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    for (const projection of options.projections) {
      if (this.projections.has(projection.name)) {
        throw new Error(`Two projections are named '${projection.name}'`);
      }
      this.projections.set(projection.name, projection);
    }
    this.settings = {
      leaseTtlMs: options.leaseTtlMs ?? 15_000,
      batchSize: options.batchSize ?? 500,
      batchWaitMs: options.batchWaitMs ?? 50,
      projectionBatchWaitMs: options.projectionBatchWaitMs ?? options.batchWaitMs ?? 200,
      cacheSize: options.cacheSize ?? 10_000,
      rebuildOnVersionChange: options.rebuildOnVersionChange ?? true,
      lagCountLimit: options.lagCountLimit ?? 10_000,
      progressIntervalMs: options.progressIntervalMs ?? 5_000,
      log: options.log ?? ((message) => console.warn(message)),
      warn: options.warn ?? options.log ?? ((message) => console.warn(message)),
    };
    // Logged by the progress timer, not by every status refresh a request sets off (a little under
    // its period, so a timer that fires a moment early still logs).
    this.progress = new CatchUpProgress(
      (message) => this.settings.log(`Projection ${message}`),
      this.settings.progressIntervalMs * 0.9,
    );
    this.retry = new RetryPolicy(options.retryDelayMs ?? 1000, options.maxRetryDelayMs ?? 30_000);
    this.consumers = new ConsumerSet({
      store: options.store,
      readModels: options.readModels,
      owner: this.instanceId,
      leaseTtlMs: this.settings.leaseTtlMs,
      batchSize: this.settings.batchSize,
      batchWaitMs: this.settings.batchWaitMs,
      retry: this.retry,
      log: this.settings.log,
      warn: this.settings.warn,
    });
  }

  get readModels(): ReadModelStore {
    return this.options.readModels;
  }

  names(): string[] {
    return [...this.projections.keys()];
  }

  projection(name: string): AnyProjection {
    const projection = this.projections.get(name);
    if (!projection) throw new UnknownProjectionError(name, this.names());
    return projection;
  }

  /** Registers every projection and starts those whose lease this instance gets. */
  async start(): Promise<void> {
    for (const projection of this.projections.values()) {
      await this.options.readModels.register(projection);
    }
    this.runProjections = true;
    this.claimInBackground();
    await this.tick();
    clearInterval(this.progressTimer);
    this.progressTimer = setInterval(
      () => void this.refreshStatus().catch(() => undefined),
      this.settings.progressIntervalMs,
    );
    this.progressTimer.unref();
  }

  async stop(): Promise<void> {
    this.started = false;
    this.runProjections = false;
    clearInterval(this.timer);
    clearInterval(this.progressTimer);
    this.timer = undefined;
    await this.ticking;
    this.offline?.abort.abort();
    await this.offline?.done;
    await Promise.all([...this.runners.values()].map((runner) => runner.stop()));
    this.runners.clear();
    await this.consumers.stopAll();
  }

  /**
   * Adds a reactor or a scheduled job: from now on this instance claims its lease whenever it is
   * free (with or without the projections running here), and runs it while it holds it.
   */
  addConsumer(consumer: EventConsumer | ScheduledConsumer): void {
    this.consumers.add(consumer);
    this.claimInBackground();
    void this.tick();
  }

  /** Stops a consumer on this instance, releasing its lease, and forgets it. */
  async removeConsumer(name: string): Promise<void> {
    await this.consumers.remove(name);
  }

  /** Claims free leases now instead of at the next tick (a consumer became active again). */
  claimNow(): Promise<void> {
    return this.started ? this.tick() : Promise.resolve();
  }

  /** Where each consumer stands on this instance (running, retrying, standby, stopped). */
  consumerStatus(name?: string): ConsumerStatus[] {
    const all = this.consumers.status(this.started);
    return name === undefined ? all : all.filter((status) => status.name === name);
  }

  /** The runner of a consumer while this instance runs it (its checkpoint, `waitForCheckpoint`). */
  consumerRunner(name: string): ConsumerRunner | undefined {
    return this.consumers.runner(name);
  }

  private claimInBackground(): void {
    this.started = true;
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), Math.max(10, this.settings.leaseTtlMs / 2));
    this.timer.unref();
  }

  /**
   * Clears a projection's failure and starts it again from its checkpoint, optionally with fixed
   * code (same name). A new version is rebuilt first.
   */
  async resume(name: string, fixed?: AnyProjection): Promise<void> {
    this.projection(name);
    if (fixed) {
      if (fixed.name !== name) throw new Error(`The fixed projection must be named '${name}'`);
      await this.runners.get(name)?.stop();
      this.projections.set(name, fixed);
      await this.options.readModels.register(fixed);
    }
    await this.options.readModels.setRunState(name, 'stopped', { clearFailure: true });
    if (this.started) await this.tick();
  }

  /** Rebuilds one projection while its live table keeps serving, then swaps it in. */
  async rebuild(
    name: string,
    options: { onProgress?: (progress: RebuildProgress) => void } = {},
  ): Promise<RebuildResult> {
    const projection = this.projection(name);
    const offThread = this.options.commandRebuild;
    const leaseTtlMs = Math.max(this.settings.leaseTtlMs, 30_000);
    this.rebuilding.add(name);
    try {
      const result = offThread?.supports([projection])
        ? await offThread.run({
            projections: [projection],
            owner: this.instanceId,
            leaseTtlMs,
            onProgress: options.onProgress ?? (() => undefined),
            signal: new AbortController().signal,
          })
        : await rebuildProjections({
            store: this.options.store,
            readModels: this.options.readModels,
            projections: [projection],
            owner: this.instanceId,
            leaseTtlMs,
            onProgress: options.onProgress,
            source: this.options.rebuildSource,
          });
      this.runners.get(name)?.reload();
      return result;
    } finally {
      this.rebuilding.delete(name);
      if (this.started) await this.tick();
    }
  }

  /**
   * Where this instance's runner of projection `name` has applied every event it follows
   * (undefined when the projection does not run here): its checkpoint, or later once caught up.
   */
  appliedThrough(name: string): GlobalPosition | undefined {
    return this.runners.get(name)?.appliedThrough;
  }

  /**
   * A promise that resolves when this instance's runner of projection `name` has applied every
   * event it follows up to `position`; undefined when the projection does not run here (read the
   * stored checkpoint instead). Aborting `signal` forgets the wait.
   */
  whenApplied(
    name: string,
    position: GlobalPosition,
    signal?: AbortSignal,
  ): Promise<void> | undefined {
    return this.runners.get(name)?.waitForCheckpoint(position, signal);
  }

  /** Resolves when this instance's runner of `name` has applied everything up to `position`. */
  async waitForCheckpoint(
    name: string,
    position: GlobalPosition,
    timeoutMs = 10_000,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const runner = this.runners.get(name);
      if (runner) {
        // Looked up again every 100 ms (a lease can move the projection to a new runner); each
        // look's wait is forgotten by the runner when it ends.
        let timer: NodeJS.Timeout | undefined;
        const look = new AbortController();
        const reached = await Promise.race([
          runner.waitForCheckpoint(position, look.signal).then(() => true),
          new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(false), Math.min(100, deadline - Date.now()));
          }),
        ]);
        clearTimeout(timer);
        look.abort();
        if (reached) return;
      } else {
        const status = await this.options.readModels.getStatus(name);
        if (status?.checkpoint !== undefined && status.checkpoint >= position) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      if (Date.now() >= deadline) {
        throw new Error(`Projection ${name} did not reach position ${position} in ${timeoutMs} ms`);
      }
    }
  }

  /**
   * The last status computed in the background: answers at once (health checks, freshness
   * headers). Computed now only the first time, or when older than `maxAgeMs`. `lag` there is the
   * position lag, not a count of events.
   */
  async cachedStatus(
    maxAgeMs = 2 * this.settings.progressIntervalMs,
  ): Promise<CachedProjectionStatus> {
    const cached = this.cached;
    if (cached && Date.now() - Date.parse(cached.at) <= maxAgeMs) return cached;
    if (cached) {
      void this.refreshStatus().catch(() => undefined);
      return cached;
    }
    return this.refreshStatus();
  }

  /**
   * Recomputes the cached status (one head read and one status read) and logs catch-up progress.
   * A call while one runs gets the next, which starts when that one ends (calls meanwhile share
   * it): what a caller gets was read after it asked, not before (a caller that had just seen a
   * projection catch up was answered with the checkpoint the running refresh had read earlier).
   */
  refreshStatus(): Promise<CachedProjectionStatus> {
    if (this.refreshing) {
      this.nextRefresh ??= this.refreshing
        .catch(() => undefined)
        .then(() => {
          this.nextRefresh = undefined;
          return this.refreshStatus();
        });
      return this.nextRefresh;
    }
    this.refreshing = this.status({ countEvents: false })
      .then((views) => {
        const headPosition = views[0]?.headPosition;
        this.cached = { at: new Date().toISOString(), headPosition, projections: views };
        this.progress.report(
          views
            .filter((view) => view.runningHere && view.phase !== 'rebuilding')
            .map((view) => ({
              name: view.name,
              checkpoint: view.checkpoint,
              caughtUp: view.caughtUp,
            })),
          headPosition,
        );
        return this.cached;
      })
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  /**
   * Status of every projection of this engine, with lag against the store's head. With
   * `countEvents` (the default) `lag` counts the events the projection's filter passes, up to
   * `lagCountLimit`; without, it is the position lag (one read, whatever the store's size).
   */
  async status(options: { countEvents?: boolean } = {}): Promise<ProjectionStatusView[]> {
    const countEvents = options.countEvents ?? true;
    const projections = [...this.projections.values()];
    // Asked for together: PostgreSQL's point reads then share one round trip (the runtime status
    // asks every second, one statement per projection before).
    const [headPosition, statuses] = await Promise.all([
      this.options.store.headPosition(),
      Promise.all(projections.map((p) => this.options.readModels.getStatus(p.name))),
    ]);
    const views: ProjectionStatusView[] = [];
    for (const [i, projection] of projections.entries()) {
      const stored = statuses[i];
      const checkpoint = stored?.checkpoint;
      const positionLag =
        headPosition === undefined
          ? 0n
          : headPosition - (checkpoint ?? 0n) > 0n
            ? headPosition - (checkpoint ?? 0n)
            : 0n;
      const lag =
        positionLag === 0n
          ? 0
          : countEvents
            ? await this.countAfter(projection, checkpoint)
            : Number(positionLag);
      views.push({
        name: projection.name,
        version: projection.version,
        storedVersion: stored?.version ?? projection.version,
        status: stored?.status ?? 'stopped',
        checkpoint,
        headPosition,
        positionLag,
        lag,
        lagIsLowerBound: countEvents && lag >= this.settings.lagCountLimit,
        failure: stored?.failure,
        owner: stored?.leaseOwner,
        ...this.phaseOf(projection.name, positionLag),
        updatedAt: stored?.updatedAt ?? '',
      });
    }
    return views;
  }

  /** This instance's part in a projection: its phase, and the phase's rate and time left. */
  private phaseOf(
    name: string,
    positionLag: bigint,
  ): Pick<
    ProjectionStatusView,
    'runningHere' | 'caughtUp' | 'phase' | 'eventsPerSecond' | 'etaSeconds'
  > {
    if (this.offline?.names.has(name)) {
      const progress = this.offline.progress;
      return {
        runningHere: true,
        caughtUp: false,
        phase: 'rebuilding',
        eventsPerSecond: progress?.eventsPerSecond,
        etaSeconds: progress?.etaSeconds === undefined ? undefined : round(progress.etaSeconds),
      };
    }
    const runner = this.runners.get(name);
    if (!runner) {
      return {
        runningHere: false,
        caughtUp: false,
        phase: undefined,
        eventsPerSecond: undefined,
        etaSeconds: undefined,
      };
    }
    if (runner.caughtUp) {
      return {
        runningHere: true,
        caughtUp: true,
        phase: 'live',
        eventsPerSecond: undefined,
        etaSeconds: 0,
      };
    }
    const rate = this.progress.rateOf(name);
    return {
      runningHere: true,
      caughtUp: false,
      phase: 'catching_up',
      eventsPerSecond: rate === undefined ? undefined : Math.round(rate),
      etaSeconds: rate ? round(Number(positionLag) / rate) : undefined,
    };
  }

  private async countAfter(
    projection: AnyProjection,
    checkpoint: GlobalPosition | undefined,
  ): Promise<number> {
    let count = 0;
    for await (const _event of this.options.store.readAll({
      fromPosition: checkpoint ?? 'start',
      filter: projection.filter,
      maxCount: this.settings.lagCountLimit,
    })) {
      count++;
    }
    return count;
  }

  /** Starts a runner for every projection this instance can lease and is not running yet. */
  private tick(): Promise<void> {
    this.ticking ??= this.claimProjections()
      .then(() => this.consumers.claim(() => this.started))
      .finally(() => {
        this.ticking = undefined;
      });
    return this.ticking;
  }

  private async claimProjections(): Promise<void> {
    const { readModels } = this.options;
    const offline: AnyProjection[] = [];
    let head: Promise<GlobalPosition | undefined> | undefined;
    for (const projection of this.projections.values()) {
      if (!this.started || !this.runProjections) return;
      const name = projection.name;
      if (this.runners.has(name) || this.rebuilding.has(name)) continue;
      try {
        const status = await readModels.getStatus(name);
        if (!status || status.status === 'failed') continue;
        if (!(await readModels.acquireLease(name, this.instanceId, this.settings.leaseTtlMs))) {
          continue;
        }
        const versionChanged =
          this.settings.rebuildOnVersionChange && status.version !== projection.version;
        head ??= this.options.store.headPosition();
        if (this.rebuildsOffline(projection, status.checkpoint, versionChanged, await head)) {
          offline.push(projection);
          continue;
        }
        if (versionChanged) {
          this.settings.log(
            `Projection ${name}: stored version ${status.version}, code version ${projection.version}: rebuilding`,
          );
          this.rebuilding.add(name);
          try {
            await this.rebuildHoldingLease(projection);
          } finally {
            this.rebuilding.delete(name);
          }
        }
        this.startRunner(projection);
      } catch (error) {
        if (error instanceof RebuildFailedError) await this.recordRebuildFailure(error);
        this.settings.log(
          `Projection ${name}: could not start: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    if (offline.length) this.rebuildOffline(offline);
  }

  /** Whether a projection whose lease this instance just took is rebuilt off-thread first. */
  private rebuildsOffline(
    projection: AnyProjection,
    checkpoint: GlobalPosition | undefined,
    versionChanged: boolean,
    head: GlobalPosition | undefined,
  ): boolean {
    const offline = this.options.offlineRebuild;
    if (!offline || this.offline || this.liveOnly.has(projection.name)) return false;
    const lag = head === undefined ? 0n : head - (checkpoint ?? 0n);
    return (versionChanged || lag > offline.minLag) && offline.supports([projection]);
  }

  /**
   * Rebuilds far-behind projections in one pass off this thread while this instance keeps their
   * leases, then starts their runners from the position the rebuild swapped in: the events
   * appended meanwhile are applied live, once. Until the swap the live tables serve with their
   * own checkpoints, so reads and health say how far behind they are.
   */
  private rebuildOffline(projections: AnyProjection[]): void {
    const { readModels } = this.options;
    const names = projections.map((p) => p.name);
    const abort = new AbortController();
    for (const name of names) this.rebuilding.add(name);
    const renew = setInterval(() => {
      for (const name of names) {
        readModels
          .renewLease(name, this.instanceId, this.settings.leaseTtlMs)
          .then((renewal) => {
            if (!renewal.held) abort.abort();
          })
          .catch(() => undefined);
      }
    }, this.settings.leaseTtlMs / 3);
    renew.unref();
    this.settings.log(
      `Projection rebuild on a worker thread: ${names.join(', ')} (more than ` +
        `${this.options.offlineRebuild!.minLag} positions behind the head, or a new version); ` +
        'each runs live from where it ends',
    );
    const run: OfflineRun = {
      names: new Set(names),
      abort,
      progress: undefined,
      loggedAt: Date.now(),
      loggedPhase: undefined,
      done: Promise.resolve(),
    };
    this.offline = run;
    run.done = this.options
      .offlineRebuild!.run({
        projections,
        owner: this.instanceId,
        leaseTtlMs: Math.max(this.settings.leaseTtlMs, 30_000),
        signal: abort.signal,
        onProgress: (progress) => this.rebuildProgress(run, progress),
      })
      .then((result) => {
        this.settings.log(
          `Projection rebuild done: ${result.events} events in ${formatDuration(result.durationMs / 1000)} ` +
            `(${result.eventsPerSecond} events/s); live from position ${result.projections[0]?.checkpoint ?? 'start'}`,
        );
        if (abort.signal.aborted || !this.started || !this.runProjections) return;
        for (const projection of projections) this.startRunner(projection);
      })
      .catch(async (error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        if (error instanceof RebuildFailedError) await this.recordRebuildFailure(error);
        else if (!abort.signal.aborted && !(error instanceof RebuildInProgressError)) {
          // Not the projections' doing (the worker could not run): catch up event by event.
          for (const name of names) this.liveOnly.add(name);
        }
        this.settings.warn(`Projection rebuild of ${names.join(', ')} did not finish: ${message}`);
      })
      .finally(async () => {
        clearInterval(renew);
        if (abort.signal.aborted) {
          await Promise.all(
            names.map((name) =>
              readModels.releaseLease(name, this.instanceId).catch(() => undefined),
            ),
          );
        }
        for (const name of names) this.rebuilding.delete(name);
        if (this.offline === run) this.offline = undefined;
        if (this.started && this.runProjections) void this.tick();
      });
  }

  /** Keeps the rebuild's progress for the status, and logs it once per period and per phase. */
  private rebuildProgress(run: OfflineRun, progress: RebuildProgress): void {
    run.progress = progress;
    const now = Date.now();
    if (run.loggedPhase === progress.phase && now - run.loggedAt < this.settings.progressIntervalMs)
      return;
    run.loggedAt = now;
    run.loggedPhase = progress.phase;
    const { position, headPosition } = progress;
    const done =
      position !== undefined && headPosition
        ? ` (${((Number(position) / Number(headPosition)) * 100).toFixed(1)}%)`
        : '';
    this.settings.log(
      `Projection rebuild: ${progress.phase} at position ${position ?? 0} of ${headPosition ?? 0}${done}, ` +
        `${progress.eventsPerSecond} events/s, ETA ${formatDuration(progress.etaSeconds ?? Number.NaN)}`,
    );
  }

  /** An event the projection's code threw on while rebuilding: it stops there until resumed. */
  private async recordRebuildFailure(error: RebuildFailedError): Promise<void> {
    const { readModels } = this.options;
    await readModels
      .recordFailure(error.projection, {
        error: error.message,
        position: error.position,
        eventId: error.eventId,
      })
      .catch(() => undefined);
    await readModels.releaseLease(error.projection, this.instanceId).catch(() => undefined);
  }

  private async rebuildHoldingLease(projection: AnyProjection): Promise<void> {
    const { readModels } = this.options;
    const renew = setInterval(() => {
      readModels
        .renewLease(projection.name, this.instanceId, this.settings.leaseTtlMs)
        .catch(() => undefined);
    }, this.settings.leaseTtlMs / 3);
    renew.unref();
    try {
      await rebuildProjections({
        store: this.options.store,
        readModels,
        projections: [projection],
        owner: this.instanceId,
        leaseTtlMs: Math.max(this.settings.leaseTtlMs, 30_000),
        source: this.options.rebuildSource,
      });
    } finally {
      clearInterval(renew);
    }
  }

  private startRunner(projection: AnyProjection): void {
    const consumer = new ProjectionConsumer(
      projection,
      this.options.readModels,
      this.settings.cacheSize,
      this.settings.warn,
    );
    const runner = new ConsumerRunner(consumer, this.options.store, this.options.readModels, {
      owner: this.instanceId,
      leaseName: projection.name,
      leaseTtlMs: this.settings.leaseTtlMs,
      batchSize: this.settings.batchSize,
      batchWaitMs: this.settings.projectionBatchWaitMs,
      retry: this.retry,
      log: (message) => this.settings.log(`Projection ${message}`),
      warn: (message) => this.settings.warn(`Projection ${message}`),
    });
    this.runners.set(projection.name, runner);
    void runner.start().then(
      (outcome: RunnerOutcome) => {
        if (this.runners.get(projection.name) === runner) this.runners.delete(projection.name);
        if (outcome === 'lease_lost') {
          this.settings.log(`Projection ${projection.name}: another instance took over`);
        }
      },
      (error: unknown) => {
        if (this.runners.get(projection.name) === runner) this.runners.delete(projection.name);
        this.settings.warn(`Projection ${projection.name}: runner crashed: ${String(error)}`);
      },
    );
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
