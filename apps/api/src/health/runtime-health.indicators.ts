import { Injectable } from '@nestjs/common';
import { type HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import type { RuntimeSnapshot } from '@aftercare/application';

/**
 * Terminus indicators over the runtime's cached snapshot: they read memory, never the store, so a
 * health check answers at once whatever the store's size or state.
 */
@Injectable()
export class RuntimeHealthIndicators {
  constructor(private readonly health: HealthIndicatorService) {}

  store(snapshot: RuntimeSnapshot): HealthIndicatorResult {
    const check = this.health.check('store');
    const data = { kind: snapshot.store.store, detail: snapshot.store.detail };
    return snapshot.store.reachable ? check.up(data) : check.down(data);
  }

  readModels(snapshot: RuntimeSnapshot): HealthIndicatorResult {
    const check = this.health.check('readModels');
    return snapshot.readModels.reachable
      ? check.up()
      : check.down({ error: snapshot.readModels.error ?? 'unreachable' });
  }

  /**
   * Down when a projection failed, one run here lags more than `maxLag` positions, or one this
   * instance should run is run by no live instance (`orphaned`: not started yet, or a stopped
   * process's lease not expired yet).
   */
  projections(snapshot: RuntimeSnapshot, maxLag: bigint, detail: boolean): HealthIndicatorResult {
    const check = this.health.check('projections');
    const failed = snapshot.projections.filter((p) => p.status === 'failed').map((p) => p.name);
    const lagging = snapshot.projections
      .filter((p) => p.runningHere && p.status !== 'failed' && p.lag > maxLag)
      .map((p) => p.name);
    const orphaned = snapshot.projections.filter((p) => p.orphaned).map((p) => p.name);
    const data: Record<string, unknown> = { maxLag: Number(maxLag), failed, lagging, orphaned };
    if (detail) {
      data.head = snapshot.head?.toString() ?? null;
      data.items = snapshot.projections.map((p) => ({
        name: p.name,
        status: p.status,
        runningHere: p.runningHere,
        owner: p.owner ?? null,
        caughtUp: p.caughtUp,
        phase: p.phase ?? null,
        checkpoint: p.checkpoint?.toString() ?? null,
        lag: Number(p.lag),
        lagIsUpperBound: p.lagIsUpperBound,
        eventsPerSecond: p.eventsPerSecond ?? null,
        etaSeconds: p.etaSeconds ?? null,
        failure: p.failure
          ? {
              error: p.failure.error,
              position: p.failure.position.toString(),
              eventId: p.failure.eventId,
            }
          : null,
      }));
    }
    return failed.length || lagging.length || orphaned.length ? check.down(data) : check.up(data);
  }

  /** Background loops: down when one is retrying after an error. */
  loops(snapshot: RuntimeSnapshot): HealthIndicatorResult {
    const check = this.health.check('loops');
    const items = snapshot.loops.map((loop) => ({
      name: loop.name,
      state: loop.state,
      checkpoint: loop.checkpoint?.toString() ?? null,
      caughtUp: loop.caughtUp,
      ...(loop.lastError ? { lastError: loop.lastError, retryAt: loop.retryAt } : {}),
    }));
    const retrying = snapshot.loops.filter((l) => l.state === 'retrying').map((l) => l.name);
    return retrying.length ? check.down({ retrying, items }) : check.up({ items });
  }
}
