import { canonicalInstantMs } from '@aftercare/analytics';
import { toIso } from '@aftercare/domain';
import { idRecord, inPlace, withEntry } from './ownership';

/**
 * Pieces of the projections' stored forms (`Projection.stored`): states written as arrays in a
 * fixed order, without field names or the ids a record's keys already give, and instants as
 * numbers where that gives the same text back.
 */

/** An instant as stored: milliseconds since the epoch, or its text when that is not canonical. */
export type StoredInstant = number | string;

/**
 * The stored form of an ISO instant: a number only for the `YYYY-MM-DDTHH:MM:SS.sssZ` text that
 * `toISOString` writes, so reading it back gives the same text; any other text is kept as it is.
 */
export function instantOut(at: string): StoredInstant {
  return at.length === 24 ? (canonicalInstantMs(at) ?? at) : at;
}

export function instantIn(stored: StoredInstant): string {
  return typeof stored === 'number' ? toIso(stored) : stored;
}

export function optionalInstantOut(at: string | null): StoredInstant | null {
  return at === null ? null : instantOut(at);
}

export function optionalInstantIn(stored: StoredInstant | null): string | null {
  return stored === null ? null : instantIn(stored);
}

/** A record's values as rows, in the record's order; each row starts with the value's key. */
export function rowsOut<T, Row>(
  record: Record<string, T>,
  out: (value: T, key: string) => Row,
): Row[] {
  const rows: Row[] = [];
  for (const key of Object.keys(record)) rows.push(out(record[key], key));
  return rows;
}

/** The record `rowsOut` wrote: each row's value under its first element, in the rows' order. */
export function recordIn<T, Row extends readonly [string, ...unknown[]]>(
  rows: readonly Row[],
  value: (row: Row) => T,
): Record<string, T> {
  const record = idRecord<T>();
  for (const row of rows) withEntry(inPlace, record, row[0], value(row));
  return record;
}
