import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { type EventStore, type StoreConfig, type StoreHealth } from '@aftercare/event-store';
import type { ConsumerStatus, ProjectionStatusView } from '@aftercare/read-models';
import { EVENT_STORE, STORE_CONFIG } from '../store/event-store.module';
import { ProjectionHost } from './projection-host';
import type { RuntimeStatusSettings } from '../config/aftercare-config';
import { leaseOwnerState } from './lease-owner';

/** How fresh one read model is: its checkpoint against the store's head. */
export interface ProjectionFreshness {
  name: string;
  status: ProjectionStatusView['status'];
  checkpoint: bigint | undefined;
  head: bigint | undefined;
  /**
   * Positions not yet applied: 0 once this instance's runner has caught up; otherwise head minus
   * checkpoint, an upper bound (a filtered projection skips positions that are not its events).
   */
  lag: bigint;
  lagIsUpperBound: boolean;
  runningHere: boolean;
  /**
   * This instance is meant to run projections, and no live instance runs this one: not started
   * yet, or its lease is held by a process that stopped (kill -9) until the lease expires.
   */
  orphaned: boolean;
  /** Holder of the projection's lease, if any. */
  owner: string | undefined;
  caughtUp: boolean;
  /** This instance's phase: rebuilding (off-thread), catching_up, live; undefined if not run here. */
  phase: ProjectionStatusView['phase'];
  /** Events per second of that phase, and the seconds it has left at that rate. */
  eventsPerSecond: number | undefined;
  etaSeconds: number | undefined;
  failure: ProjectionStatusView['failure'];
}

/** A background loop of this process (a consumer of the engine, a follower): where it stands. */
export type LoopStatus = ConsumerStatus;

/** Anything that runs a background loop reports through this (see `RuntimeStatus.register`). */
export interface LoopStatusSource {
  loopStatus(): LoopStatus | LoopStatus[];
}

export interface RuntimeSnapshot {
  /** When this snapshot was computed. */
  at: string;
  store: StoreHealth;
  readModels: { reachable: boolean; error?: string };
  head: bigint | undefined;
  projections: ProjectionFreshness[];
  loops: LoopStatus[];
  /** Event loop delay since the previous snapshot (ms): what a request waited at worst. */
  eventLoop: { p99Ms: number; maxMs: number };
}

export const RUNTIME_STATUS_SETTINGS = Symbol('RUNTIME_STATUS_SETTINGS');
export type { RuntimeStatusSettings } from '../config/aftercare-config';

/** A health probe that does not answer in this time counts as unreachable. */
const PROBE_TIMEOUT_MS = 2_000;

/**
 * Where this process stands, computed in the background so health checks and freshness headers
 * answer from memory: the store's reachability, each read model's checkpoint against the head,
 * the background loops, and the event loop's delay. One head read and one status read per
 * refresh, whatever the store's size.
 */
@Injectable()
export class RuntimeStatus implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('RuntimeStatus');
  private readonly sources: LoopStatusSource[] = [];
  private latest: RuntimeSnapshot | undefined;
  private refreshing: Promise<RuntimeSnapshot> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly delay: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(STORE_CONFIG) private readonly storeConfig: StoreConfig,
    private readonly projections: ProjectionHost,
    @Inject(RUNTIME_STATUS_SETTINGS) readonly settings: RuntimeStatusSettings,
  ) {}

  onApplicationBootstrap(): void {
    this.delay.enable();
    this.timer = setInterval(
      () => void this.refresh().catch(() => undefined),
      this.settings.refreshMs,
    );
    this.timer.unref();
    void this.refresh().catch(() => undefined);
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    this.delay.disable();
  }

  /** Background loops report here (signals, webhooks, refits). */
  register(source: LoopStatusSource): void {
    this.sources.push(source);
  }

  /** The last snapshot, or undefined before the first one is done. */
  snapshot(): RuntimeSnapshot | undefined {
    return this.latest;
  }

  /** The last snapshot; computed now only the first time. */
  async current(): Promise<RuntimeSnapshot> {
    return this.latest ?? this.refresh();
  }

  /** Ready: the store and read models reachable, every projection run here within the lag. */
  ready(snapshot: RuntimeSnapshot): { ready: boolean; reasons: string[] } {
    const reasons: string[] = [];
    if (!snapshot.store.reachable) reasons.push(`store unreachable: ${snapshot.store.detail}`);
    if (!snapshot.readModels.reachable) {
      reasons.push(`read models unreachable: ${snapshot.readModels.error ?? ''}`);
    }
    for (const p of snapshot.projections) {
      if (p.orphaned) reasons.push(`projection ${p.name} is run by no live instance`);
      if (!p.runningHere && p.status !== 'failed') continue;
      if (p.status === 'failed') reasons.push(`projection ${p.name} failed`);
      else if (p.lag > this.settings.readyMaxLag) {
        reasons.push(`projection ${p.name} lags ${p.lag} > ${this.settings.readyMaxLag}`);
      }
    }
    return { ready: reasons.length === 0, reasons };
  }

  refresh(): Promise<RuntimeSnapshot> {
    this.refreshing ??= this.compute()
      .then((snapshot) => (this.latest = snapshot))
      .finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async compute(): Promise<RuntimeSnapshot> {
    const store = await withTimeout(this.store.health(), PROBE_TIMEOUT_MS).catch(
      (error: unknown): StoreHealth => ({
        store: this.storeConfig.kind,
        reachable: false,
        detail: error instanceof Error ? error.message : String(error),
      }),
    );
    let readModels: RuntimeSnapshot['readModels'] = { reachable: true };
    let views: ProjectionStatusView[] = [];
    let head: bigint | undefined;
    if (store.reachable) {
      try {
        const cached = await withTimeout(this.projections.engine.refreshStatus(), PROBE_TIMEOUT_MS);
        views = cached.projections;
        head = cached.headPosition;
      } catch (error) {
        readModels = {
          reachable: false,
          error: error instanceof Error ? error.message : String(error),
        };
      }
    }
    // The engine's consumers (reactors, scheduled jobs), then loops of their own.
    const loops: LoopStatus[] = [...this.projections.engine.consumerStatus()];
    for (const source of this.sources) {
      try {
        const status = source.loopStatus();
        loops.push(...(Array.isArray(status) ? status : [status]));
      } catch (error) {
        this.logger.warn(`a loop status failed: ${String(error)}`);
      }
    }
    const eventLoop = {
      p99Ms: round1(this.delay.percentile(99) / 1e6),
      maxMs: round1(this.delay.max / 1e6),
    };
    this.delay.reset();
    return {
      at: new Date().toISOString(),
      store,
      readModels,
      head,
      projections: views.map((v) => freshness(v, head, this.projections.runsProjections)),
      loops,
      eventLoop,
    };
  }
}

function freshness(
  view: ProjectionStatusView,
  head: bigint | undefined,
  runsProjections: boolean,
): ProjectionFreshness {
  const positionLag =
    head === undefined || (view.checkpoint !== undefined && view.checkpoint >= head)
      ? 0n
      : head - (view.checkpoint ?? 0n);
  const exact = view.runningHere && view.caughtUp;
  return {
    name: view.name,
    status: view.status,
    checkpoint: view.checkpoint,
    head,
    lag: exact ? 0n : positionLag,
    lagIsUpperBound: !exact && positionLag > 0n,
    runningHere: view.runningHere,
    orphaned:
      runsProjections &&
      !view.runningHere &&
      view.status !== 'failed' &&
      leaseOwnerState(view.owner) !== 'live',
    owner: view.owner,
    caughtUp: view.caughtUp,
    phase: view.phase,
    eventsPerSecond: view.eventsPerSecond,
    etaSeconds: view.etaSeconds,
    failure: view.failure,
  };
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
