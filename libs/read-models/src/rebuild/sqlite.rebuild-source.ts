import type Database from 'better-sqlite3';
import type { GlobalPosition } from '@aftercare/event-store';
import { type AnyProjection, passesFilter } from '@aftercare/projections';
import { customerGrouping, foldAtPositions, foldCustomerGroups } from './customer-order.fold';
import { parallelSqliteFold, type ParallelRebuildOptions } from './parallel.rebuild-source';
import { foldEvent, type RebuildSource, unionFilter } from './rebuild';
import { type FoldedStates, handOver, type RebuildSink } from './rebuild-sink';
import { filterCondition, headRow, metadataReader, RowEvent, rowPages } from './sqlite.event-rows';

export type SqliteRebuildSourceOptions = ParallelRebuildOptions;

/**
 * Rebuild source reading the SQLite event store's rows directly (its `es_events` table, on the
 * store's `db` or any connection to the same file), up to the head seen at the start, parsing
 * only events some projection takes.
 *
 * Projections that declare a customer scope are folded group of customers by group and their
 * states written as each group ends (see `foldCustomerGroups`), on this thread or by workers
 * each folding a share of the groups (see `parallelSqliteFold`); the others in global order.
 * If a key's events ever span two groups, the rebuild starts over on this thread in global
 * order. Every way gives the same states.
 */
export function sqliteRebuildSource(
  db: Database.Database,
  options: SqliteRebuildSourceOptions = {},
): RebuildSource {
  return {
    async fold(projections, sink, onEvents) {
      const head = headRow(db);
      const lastPosition = head > 0 ? BigInt(head) : undefined;
      const { grouped, global } = customerGrouping(projections);
      if (grouped.length) {
        let events = await parallelSqliteFold(db, head, projections, sink, onEvents, options);
        if (events === undefined) {
          const folded = await foldCustomerGroups(db, head, projections, sink, onEvents);
          await foldAtPositions(db, folded.globalPositions, global, sink);
          events = folded.events;
        }
        if (!(await sink.repeatedKeys(grouped.map((f) => f.index)))) {
          return { events, lastPosition };
        }
        await sink.restart();
      }
      const events = await foldInGlobalOrder(db, head, projections, sink, onEvents);
      return { events, lastPosition };
    },
  };
}

/** Every projection folded in global order, their states held until the end. */
async function foldInGlobalOrder(
  db: Database.Database,
  head: number,
  projections: readonly AnyProjection[],
  sink: RebuildSink,
  onEvents: (count: number, position: GlobalPosition) => void,
): Promise<number> {
  const states = projections.map((): FoldedStates => new Map());
  let events = 0;
  const metadataOf = metadataReader(db);
  for (const rows of rowPages(db, filterCondition(unionFilter(projections)), head)) {
    for (const row of rows) {
      if (wanted(projections, row[1], row[4]))
        foldEvent(projections, states, new RowEvent(row, metadataOf));
    }
    events += rows.length;
    onEvents(rows.length, BigInt(rows[rows.length - 1][0]));
    // Let timers (lease renewal, progress) run between pages.
    await new Promise((resolve) => setImmediate(resolve));
  }
  await handOver(states, sink);
  return events;
}

function wanted(projections: readonly AnyProjection[], streamId: string, type: string): boolean {
  if (projections.length === 1) return passesFilter(projections[0].filter, streamId, type);
  for (const projection of projections) {
    if (passesFilter(projection.filter, streamId, type)) return true;
  }
  return false;
}
