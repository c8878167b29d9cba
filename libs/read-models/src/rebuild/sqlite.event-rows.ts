import type Database from 'better-sqlite3';
import type {
  AllFilter,
  EventMetadata,
  GlobalPosition,
  RecordedEvent,
} from '@aftercare/event-store';

/**
 * A row of the SQLite event store's `es_events`, raw: position, stream, revision, id, type, data,
 * recorded_at. Metadata is left out of the scan (few projections read it; see `RowEvent`).
 */
export type EventRow = [number, string, number, string, string, string, number, ...unknown[]];

const PAGE = 5000;

/**
 * An event built from a raw row. The data is parsed once for all projections; metadata is read
 * and decoded only if a projection asks for it, and the record time only built when read.
 */
export class RowEvent implements RecordedEvent {
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  readonly streamId: string;
  private readonly row: EventRow;
  private bigPosition: GlobalPosition | undefined;
  private decodedMetadata: EventMetadata | undefined;

  constructor(
    row: EventRow,
    private readonly metadataOf: (position: number) => string,
  ) {
    this.row = row;
    this.streamId = row[1];
    this.id = row[3];
    this.type = row[4];
    this.data = JSON.parse(row[5]);
  }

  /** Built on first read (a BigInt per event is an allocation most events do not need twice). */
  get position(): GlobalPosition {
    this.bigPosition ??= BigInt(this.row[0]);
    return this.bigPosition;
  }

  get revision(): bigint {
    return BigInt(this.row[2]);
  }

  get metadata(): EventMetadata {
    this.decodedMetadata ??= JSON.parse(this.metadataOf(this.row[0])) as EventMetadata;
    return this.decodedMetadata;
  }

  get recordedAt(): Date {
    return new Date(this.row[6]);
  }
}

/** Reads one event's raw metadata, for `RowEvent`s of this connection. */
export function metadataReader(db: Database.Database): (position: number) => string {
  const statement = db.prepare('SELECT metadata FROM es_events WHERE position = ?').pluck(true);
  return (position) => statement.get(position) as string;
}

/** The store's head position (0 when empty): a rebuild reads up to the head seen at its start. */
export function headRow(db: Database.Database): number {
  return (db.prepare('SELECT max(position) FROM es_events').pluck(true).get() ?? 0) as number;
}

/** A condition on es_events rows, in SQL, with its parameters. */
export interface RowCondition {
  sql: string;
  params: (string | number)[];
}

/** The SQL form of a stream filter ('1' when it lets everything through). */
export function filterCondition(filter: AllFilter | undefined): RowCondition {
  const where: string[] = [];
  const params: string[] = [];
  if (filter?.categories?.length) {
    where.push(`category IN (${filter.categories.map(() => '?').join(', ')})`);
    params.push(...filter.categories);
  }
  if (filter?.eventTypePrefixes?.length) {
    where.push(`(${filter.eventTypePrefixes.map(() => 'instr(type, ?) = 1').join(' OR ')})`);
    params.push(...filter.eventTypePrefixes);
  }
  return { sql: where.length ? where.join(' AND ') : '1', params };
}

/** Rows passing `condition`, up to `head`. */
export function countRows(db: Database.Database, condition: RowCondition, head: number): number {
  return db
    .prepare(`SELECT count(*) FROM es_events WHERE position <= ? AND (${condition.sql})`)
    .pluck(true)
    .get(head, ...condition.params) as number;
}

/**
 * Raw rows passing `condition` in global order up to `head`, in pages. Yields each page; the
 * caller decides which rows to parse.
 */
export function* rowPages(
  db: Database.Database,
  condition: RowCondition,
  head: number,
): Generator<EventRow[]> {
  const page = db
    .prepare(
      `SELECT position, stream_id, revision, event_id, type, data, recorded_at
       FROM es_events WHERE position > ? AND position <= ? AND (${condition.sql})
       ORDER BY position LIMIT ${PAGE}`,
    )
    .raw(true);
  let after = 0;
  for (;;) {
    const rows = page.all(after, head, ...condition.params) as EventRow[];
    if (rows.length === 0) return;
    yield rows;
    after = rows[rows.length - 1][0];
  }
}
