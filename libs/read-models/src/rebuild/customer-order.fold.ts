import type Database from 'better-sqlite3';
import { CUSTOMER_STREAM_CATEGORY } from '@aftercare/domain';
import type { GlobalPosition } from '@aftercare/event-store';
import { type AnyProjection, customerIdOf, passesFilter } from '@aftercare/projections';
import { RebuildFailedError, unionFilter } from './rebuild';
import type { RebuildSink } from './rebuild-sink';
import { type EventRow, filterCondition, metadataReader, RowEvent } from './sqlite.event-rows';

// Small pages: rows die young (a page of 5,000 outlived two scavenges and filled the old space).
const PAGE = 1000;
const CUSTOMER_PREFIX = `${CUSTOMER_STREAM_CATEGORY}-`;
const CATEGORY_OF_STREAM = `CASE WHEN instr(stream_id, '-') > 0
  THEN substr(stream_id, 1, instr(stream_id, '-') - 1) ELSE stream_id END`;

/** Projections keyed by customer (`keyOf` is `customerIdOf`) can be folded one customer at a time. */
export function foldsPerCustomer(projection: AnyProjection): boolean {
  return projection.keyOf === customerIdOf;
}

/**
 * A worker's share of a rebuild: the customers whose id hashes to `index` of `of`, and the
 * projections not keyed by customer if `global`.
 */
export interface CustomerShare {
  index: number;
  of: number;
  global: boolean;
}

/** FNV-1a of a customer id, modulo the shares. */
export function partitionOf(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}

/** An event whose key is not the customer it was read for: the caller folds in global order. */
export class CustomerOrderMismatch extends Error {}

interface Folding {
  /** Index in the rebuild's projections (the sink's numbering). */
  index: number;
  projection: AnyProjection;
}

interface Current {
  state: unknown;
  position: number;
}

/**
 * Folds the projections keyed by customer one customer at a time, and the others in global order,
 * reading each event once where it can:
 *
 * 1. the events of every stream that is not a customer's, through the stream index, light (no
 *    parse: position, stream, type, and the data's customerId read by SQLite);
 * 2. customer streams in stream order: each customer's events, with the events of other streams
 *    that name the customer (claims) merged in by position, are folded, and the customer's final
 *    states handed to the sink at once: memory holds one customer's states, not every customer's;
 * 3. the events the other projections take, in global order, read by position.
 *
 * Each key's events are folded in global order, as in any fold: the states are the same.
 * Throws `CustomerOrderMismatch` when an event's key is not the customer it was read for.
 */
export async function foldInCustomerOrder(
  db: Database.Database,
  head: number,
  projections: readonly AnyProjection[],
  sink: RebuildSink,
  onEvents: (count: number, position: GlobalPosition) => void,
  share?: CustomerShare,
): Promise<number> {
  const all = projections.map((projection, index): Folding => ({ index, projection }));
  const perCustomer = all.filter((f) => foldsPerCustomer(f.projection));
  const global = share?.global === false ? [] : all.filter((f) => !foldsPerCustomer(f.projection));
  const mine = (customer: string): boolean =>
    !share || partitionOf(customer, share.of) === share.index;
  const takes = (folding: Folding[], streamId: string, type: string): boolean =>
    folding.some((f) => passesFilter(f.projection.filter, streamId, type));
  const metadataOf = metadataReader(db);
  const byPosition = db
    .prepare(
      'SELECT position, stream_id, revision, event_id, type, data, recorded_at FROM es_events WHERE position = ?',
    )
    .raw(true);
  let events = 0;
  const progress = (count: number): void => {
    events += count;
    onEvents(count, BigInt(Math.min(head, events)));
  };

  // 1. Events of other streams: which customers they name, and which the global folds take.
  const others = otherStreamRows(db, head, projections);
  const claimsOf = new Map<string, number[]>();
  const globalPositions: number[] = [];
  for (const row of others) {
    const customer = row[3];
    if (typeof customer === 'string' && mine(customer) && takes(perCustomer, row[1], row[2])) {
      let positions = claimsOf.get(customer);
      if (!positions) claimsOf.set(customer, (positions = []));
      positions.push(row[0]);
    }
    if (takes(global, row[1], row[2])) globalPositions.push(row[0]);
  }
  progress(others.length);

  // 2. Customer streams, one customer at a time.
  const current: (Current | undefined)[] = perCustomer.map(() => undefined);
  const fold = (row: EventRow, customer: string): void => {
    let event: RowEvent | undefined;
    for (let j = 0; j < perCustomer.length; j++) {
      const { projection } = perCustomer[j];
      if (!passesFilter(projection.filter, row[1], row[4])) continue;
      event ??= new RowEvent(row, metadataOf);
      const key = projection.keyOf(event);
      if (key === undefined) continue;
      if (key !== customer) {
        throw new CustomerOrderMismatch(
          `event ${event.id} of ${event.streamId} is about '${key}', read for '${customer}'`,
        );
      }
      try {
        const entry = current[j];
        if (entry) {
          entry.state = projection.evolve(entry.state, event);
          entry.position = row[0];
        } else {
          current[j] = {
            state: projection.evolve(projection.initialState(key), event),
            position: row[0],
          };
        }
      } catch (error) {
        throw new RebuildFailedError(projection.name, event.id, event.position, error);
      }
    }
  };
  const foldClaimsBefore = (customer: string, claims: number[], next: number, before: number) => {
    while (next < claims.length && claims[next] < before) {
      fold(byPosition.get(claims[next]) as EventRow, customer);
      next++;
    }
    return next;
  };
  const finish = (customer: string): void => {
    for (let j = 0; j < perCustomer.length; j++) {
      const entry = current[j];
      if (!entry) continue;
      sink.done(perCustomer[j].index, customer, {
        state: entry.state,
        position: BigInt(entry.position),
      });
      current[j] = undefined;
    }
  };

  const condition = filterCondition(unionFilter(projections));
  if (share) {
    // Customers of other shares are not read: not theirs to fold, and the global folds' rows
    // among them are found by position (below).
    db.function('aftercare_share', { deterministic: true }, (streamId: unknown) =>
      partitionOf(String(streamId).slice(CUSTOMER_PREFIX.length), share.of),
    );
    condition.sql = `(${condition.sql}) AND aftercare_share(stream_id) = ${share.index}`;
    if (global.length) globalPositions.push(...customerRowsTaken(db, head, global));
  }
  const page = db
    .prepare(
      `SELECT position, stream_id, revision, event_id, type, data, recorded_at, stream_no
       FROM es_events
       WHERE (stream_no, revision) > (?, ?) AND position <= ? AND category = ? AND (${condition.sql})
       ORDER BY stream_no, revision LIMIT ${PAGE}`,
    )
    .raw(true);
  let customer: string | undefined;
  let claims: number[] = [];
  let nextClaim = 0;
  let after: [number, number] = [-1, -1];
  for (;;) {
    const rows = page.all(
      after[0],
      after[1],
      head,
      CUSTOMER_STREAM_CATEGORY,
      ...condition.params,
    ) as (EventRow & { 7: number })[];
    if (!rows.length) break;
    for (const row of rows) {
      const id = row[1].startsWith(CUSTOMER_PREFIX) ? row[1].slice(CUSTOMER_PREFIX.length) : '';
      if (id !== customer) {
        if (customer !== undefined) {
          foldClaimsBefore(customer, claims, nextClaim, Infinity);
          finish(customer);
        }
        customer = id;
        claims = claimsOf.get(id) ?? [];
        claimsOf.delete(id);
        nextClaim = 0;
      }
      nextClaim = foldClaimsBefore(customer, claims, nextClaim, row[0]);
      if (takes(perCustomer, row[1], row[4])) fold(row, customer);
      if (!share && takes(global, row[1], row[4])) globalPositions.push(row[0]);
    }
    const last = rows[rows.length - 1];
    after = [last[7], last[2]];
    progress(rows.length);
    await sink.flush();
    // Let timers (lease renewal, progress) run between pages.
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (customer !== undefined) {
    foldClaimsBefore(customer, claims, nextClaim, Infinity);
    finish(customer);
  }
  // Customers named by other streams only.
  let folded = 0;
  for (const [id, positions] of claimsOf) {
    foldClaimsBefore(id, positions, 0, Infinity);
    finish(id);
    if (++folded % 1000 === 0) await sink.flush();
  }

  // 3. The other projections, in global order.
  if (global.length) {
    globalPositions.sort((a, b) => a - b);
    const states = global.map(() => new Map<string, Current>());
    for (const position of globalPositions) {
      const event = new RowEvent(byPosition.get(position) as EventRow, metadataOf);
      for (let j = 0; j < global.length; j++) {
        const { projection } = global[j];
        if (!passesFilter(projection.filter, event.streamId, event.type)) continue;
        try {
          const key = projection.keyOf(event);
          if (key === undefined) continue;
          const entry = states[j].get(key);
          if (entry) {
            entry.state = projection.evolve(entry.state, event);
            entry.position = position;
          } else {
            states[j].set(key, {
              state: projection.evolve(projection.initialState(key), event),
              position,
            });
          }
        } catch (error) {
          throw new RebuildFailedError(projection.name, event.id, event.position, error);
        }
      }
    }
    for (let j = 0; j < global.length; j++) {
      let count = 0;
      for (const [key, entry] of states[j]) {
        sink.done(global[j].index, key, { state: entry.state, position: BigInt(entry.position) });
        if (++count % 1000 === 0) await sink.flush();
      }
    }
  }
  return events;
}

/** Positions of the customer streams' events the global folds take (a scan returning positions). */
function customerRowsTaken(
  db: Database.Database,
  head: number,
  global: readonly Folding[],
): number[] {
  const condition = filterCondition(unionFilter(global.map((f) => f.projection)));
  const rows = db
    .prepare(
      `SELECT position, stream_id, type FROM es_events
       WHERE position <= ? AND category = ? AND (${condition.sql})`,
    )
    .raw(true)
    .all(head, CUSTOMER_STREAM_CATEGORY, ...condition.params) as [number, string, string][];
  return rows
    .filter(([, streamId, type]) =>
      global.some((f) => passesFilter(f.projection.filter, streamId, type)),
    )
    .map(([position]) => position);
}

/**
 * The events of every stream that is not a customer's and that some projection takes, in global
 * order, light: position, stream, type and the data's customerId (read by SQLite, not parsed).
 */
function otherStreamRows(
  db: Database.Database,
  head: number,
  projections: readonly AnyProjection[],
): [number, string, string, unknown][] {
  const condition = filterCondition(unionFilter(projections));
  return db
    .prepare(
      `SELECT position, stream_id, type, json_extract(data, '$.customerId')
       FROM es_events
       WHERE stream_no IN (SELECT stream_no FROM es_streams WHERE ${CATEGORY_OF_STREAM} != ?)
         AND position <= ? AND (${condition.sql})
       ORDER BY position`,
    )
    .raw(true)
    .all(CUSTOMER_STREAM_CATEGORY, head, ...condition.params) as [
    number,
    string,
    string,
    unknown,
  ][];
}
