import type Database from 'better-sqlite3';
import type { GlobalPosition } from '@aftercare/event-store';
import { type AnyProjection, passesFilter } from '@aftercare/projections';
import { parallelSqliteFold, type ParallelRebuildOptions } from './parallel.rebuild-source';
import { foldEvent, type RebuildSource, unionFilter } from './rebuild';
import { filterCondition, headRow, metadataReader, RowEvent, rowPages } from './sqlite.event-rows';

export type SqliteRebuildSourceOptions = ParallelRebuildOptions;

/**
 * Rebuild source reading the SQLite event store's rows directly (its `es_events` table, on the
 * store's `db` or any connection to the same file): the union of the projections' filters is
 * applied in SQL, each projection's filter on the raw stream id and type, and only events some
 * projection takes are parsed. Positions are read up to the head seen at the start.
 *
 * With workers, each worker reads the rows on its own connection and folds its share of the keys
 * (see `parallelSqliteFold`); the result is the same as folding on one thread.
 */
export function sqliteRebuildSource(
  db: Database.Database,
  options: SqliteRebuildSourceOptions = {},
): RebuildSource {
  return {
    async fold(projections, states, onEvents) {
      const head = headRow(db);
      const parallel = await parallelSqliteFold(db, head, projections, states, onEvents, options);
      if (parallel) return parallel;
      let events = 0;
      let lastPosition: GlobalPosition | undefined;
      const metadataOf = metadataReader(db);
      for (const rows of rowPages(db, filterCondition(unionFilter(projections)), head)) {
        for (const row of rows) {
          if (wanted(projections, row[1], row[4]))
            foldEvent(projections, states, new RowEvent(row, metadataOf));
        }
        events += rows.length;
        lastPosition = BigInt(rows[rows.length - 1][0]);
        onEvents(rows.length, lastPosition);
        // Let timers (lease renewal, progress) run between pages.
        await new Promise((resolve) => setImmediate(resolve));
      }
      return { events, lastPosition: head > 0 ? BigInt(head) : lastPosition };
    },
  };
}

function wanted(projections: readonly AnyProjection[], streamId: string, type: string): boolean {
  if (projections.length === 1) return passesFilter(projections[0].filter, streamId, type);
  for (const projection of projections) {
    if (passesFilter(projection.filter, streamId, type)) return true;
  }
  return false;
}
