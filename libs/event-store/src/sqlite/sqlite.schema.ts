import type { Database as SqliteDatabase } from 'better-sqlite3';
import { StoreUnavailableError } from '../errors';
import type { EventMetadata, RecordedEvent } from '../event-store.port';

/**
 * The SQLite event store's tables, prepared statements and rows (sqlite.event-store.ts describes
 * the tables), and how SQLite's errors reach callers.
 */

export const COLUMNS = 'position, stream_id, revision, event_id, type, data, metadata, recorded_at';
export const STREAM_NO = '(SELECT stream_no FROM es_streams WHERE stream_id = ?)';

/** A row as better-sqlite3 returns it in raw mode, in COLUMNS order. */
export type EventRow = [number, string, number, string, string, string, string, number];

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS es_streams (
  stream_no   INTEGER PRIMARY KEY,
  stream_id   TEXT    NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS es_events (
  position    INTEGER PRIMARY KEY,
  stream_no   INTEGER NOT NULL,
  stream_id   TEXT    NOT NULL,
  revision    INTEGER NOT NULL,
  event_id    TEXT    NOT NULL,
  type        TEXT    NOT NULL,
  data        TEXT    NOT NULL,
  metadata    TEXT    NOT NULL,
  recorded_at INTEGER NOT NULL,
  category    TEXT GENERATED ALWAYS AS (
    CASE WHEN instr(stream_id, '-') > 0 THEN substr(stream_id, 1, instr(stream_id, '-') - 1)
    ELSE stream_id END) VIRTUAL
);
CREATE UNIQUE INDEX IF NOT EXISTS es_events_stream_revision ON es_events (stream_no, revision);
CREATE UNIQUE INDEX IF NOT EXISTS es_events_stream_event_id ON es_events (stream_no, event_id);
CREATE TABLE IF NOT EXISTS es_checkpoints (
  consumer_id TEXT    PRIMARY KEY,
  position    INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
`;

export function prepareStatements(db: SqliteDatabase) {
  return {
    // The stream's number and last revision; no row when the stream does not exist.
    streamHead: db
      .prepare(
        `SELECT s.stream_no, (SELECT max(e.revision) FROM es_events e WHERE e.stream_no = s.stream_no)
         FROM es_streams s WHERE s.stream_id = ?`,
      )
      .raw(true),
    insertStream: db.prepare('INSERT INTO es_streams (stream_id) VALUES (?)'),
    maxPosition: db.prepare('SELECT max(position) FROM es_events').pluck(true),
    byEventId: db
      .prepare(`SELECT ${COLUMNS} FROM es_events WHERE stream_no = ${STREAM_NO} AND event_id = ?`)
      .raw(true),
    streamForwards: db
      .prepare(
        `SELECT ${COLUMNS} FROM es_events WHERE stream_no = ${STREAM_NO} AND revision >= ? ORDER BY revision LIMIT ?`,
      )
      .raw(true),
    streamBackwards: db
      .prepare(
        `SELECT ${COLUMNS} FROM es_events WHERE stream_no = ${STREAM_NO} AND revision <= ? ORDER BY revision DESC LIMIT ?`,
      )
      .raw(true),
    allPage: db
      .prepare(`SELECT ${COLUMNS} FROM es_events WHERE position > ? ORDER BY position LIMIT ?`)
      .raw(true),
    range: db
      .prepare(
        `SELECT ${COLUMNS} FROM es_events WHERE position > ? AND position <= ? ORDER BY position`,
      )
      .raw(true),
    loadCheckpoint: db
      .prepare('SELECT position FROM es_checkpoints WHERE consumer_id = ?')
      .pluck(true),
    saveCheckpoint: db.prepare(
      `INSERT INTO es_checkpoints (consumer_id, position, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (consumer_id) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
    ),
  };
}

export const INSERT_COLUMNS = 9;
export const INSERT_CHUNK = 64;

/** Rows of the next INSERT: powers of two up to INSERT_CHUNK, so at most 7 statements are cached. */
export function chunkSize(remaining: number): number {
  let size = INSERT_CHUNK;
  while (size > remaining) size >>= 1;
  return size;
}

export function toEvent(row: EventRow): RecordedEvent {
  return {
    id: row[3],
    type: row[4],
    data: JSON.parse(row[5]),
    metadata: JSON.parse(row[6]) as EventMetadata,
    streamId: row[1],
    revision: BigInt(row[2]),
    position: BigInt(row[0]),
    recordedAt: new Date(row[7]),
  };
}

const UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY|CORRUPT|NOTADB)/;

export function mapError(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && UNAVAILABLE.test(code)) {
    return new StoreUnavailableError(
      `SQLite store unavailable: ${(error as Error).message}`,
      error,
    );
  }
  return error;
}
