import type Database from 'better-sqlite3';
import type { EventMetadata, GlobalPosition, RecordedEvent } from '@aftercare/event-store';
import type { AnyProjection } from '../projection';
import { passesFilter } from './event-filter';
import { foldEvent, type RebuildSource, unionFilter } from './rebuild';

/** A row of the SQLite event store's `es_events`, raw: position, stream, revision, id, type, data, metadata, recorded_at. */
type EventRow = [number, string, number, string, string, string, string, number];

const PAGE = 5000;

/**
 * An event built from a raw row. Metadata and record time are decoded only if a projection reads
 * them; the data is parsed once for all projections.
 */
class RowEvent implements RecordedEvent {
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  readonly streamId: string;
  readonly revision: bigint;
  readonly position: GlobalPosition;
  private readonly rawMetadata: string;
  private readonly recordedAtMs: number;
  private decodedMetadata: EventMetadata | undefined;

  constructor(row: EventRow) {
    this.position = BigInt(row[0]);
    this.streamId = row[1];
    this.revision = BigInt(row[2]);
    this.id = row[3];
    this.type = row[4];
    this.data = JSON.parse(row[5]);
    this.rawMetadata = row[6];
    this.recordedAtMs = row[7];
  }

  get metadata(): EventMetadata {
    this.decodedMetadata ??= JSON.parse(this.rawMetadata) as EventMetadata;
    return this.decodedMetadata;
  }

  get recordedAt(): Date {
    return new Date(this.recordedAtMs);
  }
}

/**
 * Rebuild source reading the SQLite event store's rows directly (its `es_events` table, on the
 * store's `db` or any connection to the same file): the union of the projections' filters is
 * applied in SQL, each projection's filter on the raw stream id and type, and only events some
 * projection takes are parsed. Positions are read up to the head seen at the start.
 */
export function sqliteRebuildSource(db: Database.Database): RebuildSource {
  return {
    async fold(projections, states, onEvents) {
      const filter = unionFilter(projections);
      const where = ['position > ?', 'position <= ?'];
      const params: string[] = [];
      if (filter?.categories?.length) {
        where.push(`category IN (${filter.categories.map(() => '?').join(', ')})`);
        params.push(...filter.categories);
      }
      if (filter?.eventTypePrefixes?.length) {
        where.push(`(${filter.eventTypePrefixes.map(() => 'instr(type, ?) = 1').join(' OR ')})`);
        params.push(...filter.eventTypePrefixes);
      }
      const page = db
        .prepare(
          `SELECT position, stream_id, revision, event_id, type, data, metadata, recorded_at
           FROM es_events WHERE ${where.join(' AND ')} ORDER BY position LIMIT ${PAGE}`,
        )
        .raw(true);
      const head = (db.prepare('SELECT max(position) FROM es_events').pluck(true).get() ??
        0) as number;
      let after = 0;
      let events = 0;
      let lastPosition: GlobalPosition | undefined;
      for (;;) {
        const rows = page.all(after, head, ...params) as EventRow[];
        if (rows.length === 0) break;
        for (const row of rows) {
          if (wanted(projections, row[1], row[4]))
            foldEvent(projections, states, new RowEvent(row));
        }
        events += rows.length;
        after = rows[rows.length - 1][0];
        lastPosition = BigInt(after);
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
