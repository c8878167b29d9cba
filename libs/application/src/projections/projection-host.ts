import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import type { EventStore } from '@aftercare/event-store';
import { SqliteEventStore } from '@aftercare/event-store/sqlite';
import { projections } from '@aftercare/projections';
import {
  type OfflineRebuild,
  ProjectionEngine,
  type ReadModelStore,
  SqliteReadModelStore,
  sqliteRebuildSource,
  workerRebuild,
} from '@aftercare/read-models';
import { AFTERCARE_CONFIG, type AftercareConfig } from '../config/aftercare-config';
import { EVENT_STORE } from '../store/event-store.module';
import {
  PROJECTION_SETTINGS,
  type ProjectionSettings,
  READ_MODEL_STORE,
} from './projections.tokens';
import { markLeaseOwnerLive } from './lease-owner';

/**
 * The engine over the registry's projections, with the configured lease time to live
 * (AFTERCARE_LOOP_LEASE_TTL_MS); rebuilds read the embedded store's rows directly. With
 * `rebuildLag` (AFTERCARE_REBUILD_LAG), projections that far behind are rebuilt on a worker
 * thread when events and read models are both SQLite files; PostgreSQL catches up event by event.
 */
export function createProjectionEngine(
  store: EventStore,
  readModels: ReadModelStore,
  options: {
    leaseTtlMs: number;
    log?: (message: string) => void;
    warn?: (message: string) => void;
    instanceId?: string;
    rebuildLag?: bigint;
  },
): ProjectionEngine {
  return new ProjectionEngine({
    store,
    readModels,
    projections,
    instanceId: options.instanceId,
    leaseTtlMs: options.leaseTtlMs,
    rebuildSource:
      store instanceof SqliteEventStore
        ? sqliteRebuildSource(store.db, { warn: options.warn })
        : undefined,
    offlineRebuild: offlineRebuild(store, readModels, options.rebuildLag, options.warn),
    commandRebuild: commandRebuild(store, readModels, options.warn),
    log: options.log,
    warn: options.warn,
  });
}

/** The SQLite files a rebuild worker opens again, when events and read models are both in files. */
function sqliteFiles(
  store: EventStore,
  readModels: ReadModelStore,
): { eventStorePath: string; readModelPath: string } | undefined {
  if (!(store instanceof SqliteEventStore) || !(readModels instanceof SqliteReadModelStore)) {
    return undefined;
  }
  // A worker opens the files again: an in-memory database exists on this connection only.
  if (store.db.memory || readModels.db.memory) return undefined;
  return { eventStorePath: store.db.name, readModelPath: readModels.db.name };
}

/**
 * `projections rebuild` off the CLI's thread: a worker with a bounded heap writes, fold workers of
 * its own fold on a large store (the command has the machine's cores to itself).
 */
function commandRebuild(
  store: EventStore,
  readModels: ReadModelStore,
  warn: ((message: string) => void) | undefined,
): OfflineRebuild | undefined {
  const files = sqliteFiles(store, readModels);
  return files && workerRebuild({ ...files, minLag: 0n, warn });
}

function offlineRebuild(
  store: EventStore,
  readModels: ReadModelStore,
  minLag: bigint | undefined,
  warn: ((message: string) => void) | undefined,
): OfflineRebuild | undefined {
  if (minLag === undefined) return undefined;
  const files = sqliteFiles(store, readModels);
  if (!files) return undefined;
  return workerRebuild({
    ...files,
    minLag,
    // One thread folds and writes: the API's thread keeps a core to itself on a small machine.
    fold: { workers: 1 },
    warn,
  });
}

/**
 * The projection runtime of this process from bootstrap to shutdown: it runs the projections when
 * configured to (AFTERCARE_PROJECTIONS), and the consumers other services add to it (signals,
 * webhook deliveries, CLV refits) wherever they are switched on.
 */
@Injectable()
export class ProjectionHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Projections');
  readonly engine: ProjectionEngine;
  private starting: Promise<void> | undefined;
  private stopping = false;
  private forget: (() => void) | undefined;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(PROJECTION_SETTINGS) private readonly settings: ProjectionSettings,
    @Inject(AFTERCARE_CONFIG) config: AftercareConfig,
  ) {
    this.engine = createProjectionEngine(store, readModels, {
      leaseTtlMs: config.loopLeaseTtlMs,
      log: (m) => this.logger.log(m),
      warn: (m) => this.logger.warn(m),
      rebuildLag: config.readModels.rebuildLag,
    });
  }

  /**
   * Starts the engine in the background: catching up a large store takes minutes, and the API
   * must listen meanwhile. Registration is retried with backoff while the read-model store is
   * unreachable.
   */
  onApplicationBootstrap(): void {
    this.forget = markLeaseOwnerLive(this.engine.instanceId);
    if (!this.settings.run) return;
    this.starting = (async () => {
      for (let attempt = 1; !this.stopping; attempt++) {
        try {
          await this.engine.start();
          return;
        } catch (error) {
          const delay = Math.min(30_000, 500 * 2 ** Math.min(attempt - 1, 6));
          this.logger.error(
            `could not start (${error instanceof Error ? error.message : String(error)}); retrying in ${delay} ms`,
          );
          await new Promise((resolve) => setTimeout(resolve, delay).unref());
        }
      }
    })();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.starting;
    await this.engine.stop();
    this.forget?.();
    await this.readModels.close();
  }

  /** Whether this process is configured to run the projections (AFTERCARE_PROJECTIONS). */
  get runsProjections(): boolean {
    return this.settings.run;
  }
}
