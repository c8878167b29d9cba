import type Database from 'better-sqlite3';
import { CUSTOMER_STREAM_CATEGORY } from '@aftercare/domain';
import type { GlobalPosition } from '@aftercare/event-store';
import { type AnyProjection, categoryOf, passesFilter } from '@aftercare/projections';
import { evolveInto, unionFilter } from './rebuild';
import type { FoldedStates, RebuildSink } from './rebuild-sink';
import { type EventRow, filterCondition, metadataReader, RowEvent } from './sqlite.event-rows';

const CUSTOMER_PREFIX = `${CUSTOMER_STREAM_CATEGORY}-`;
const CATEGORY_OF_STREAM = `CASE WHEN instr(stream_id, '-') > 0
  THEN substr(stream_id, 1, instr(stream_id, '-') - 1) ELSE stream_id END`;
/** Streams read together (one query, their rows sorted by position): groups are packed up to it. */
const UNIT_STREAMS = 64;
/** Positions per `position IN (...)` read. */
const POSITIONS_PER_READ = 500;

/** A projection of the rebuild and its index in the rebuild's projections (the sink's numbering). */
export interface Folding {
  index: number;
  projection: AnyProjection;
}

/**
 * How a rebuild groups customers: `grouped` projections are folded group by group (see
 * `Projection.customerScope`), `global` ones in global order; `groupOf` gives a customer's group
 * (undefined: each customer is a group of its own).
 */
export interface CustomerGrouping {
  grouped: Folding[];
  global: Folding[];
  groupOf: ((customerId: string) => string) | undefined;
}

/**
 * Customers are grouped by the first group function a projection declares (a projection with
 * another one is folded in global order), else one customer per group.
 */
export function customerGrouping(projections: readonly AnyProjection[]): CustomerGrouping {
  const all = projections.map((projection, index): Folding => ({ index, projection }));
  const groupFunction = projections
    .map((p) => p.customerScope)
    .find((scope) => typeof scope === 'function');
  const isGrouped = ({ projection }: Folding): boolean =>
    projection.customerScope === 'customer' ||
    (groupFunction !== undefined && projection.customerScope === groupFunction);
  return {
    grouped: all.filter(isGrouped),
    global: all.filter((f) => !isGrouped(f)),
    groupOf: groupFunction,
  };
}

/**
 * A worker's share of a rebuild: every `of`-th unit of customer groups from `index`. The share
 * of index 0 also folds the events of other streams that name no customer.
 */
export interface CustomerShare {
  index: number;
  of: number;
}

/** Which projections take an event, by stream category and type (decided once per pair). */
class Takers {
  private readonly byType = new Map<string, Map<string, number[]>>();

  constructor(private readonly folding: readonly Folding[]) {}

  of(streamId: string, type: string): number[] {
    let byCategory = this.byType.get(type);
    if (!byCategory) this.byType.set(type, (byCategory = new Map()));
    const category = categoryOf(streamId);
    let takers = byCategory.get(category);
    if (!takers) {
      takers = [];
      this.folding.forEach(({ projection }, j) => {
        if (passesFilter(projection.filter, streamId, type)) takers!.push(j);
      });
      byCategory.set(category, takers);
    }
    return takers;
  }
}

/** Customers folded together: their streams, and the events of other streams naming them. */
export interface Unit {
  streams: number[];
  others: number[];
}

/**
 * What a fold of customer groups reads, found once before it (by the calling thread for all its
 * workers): the units, and the events of other streams that name no customer or that the global
 * projections take.
 */
export interface CustomerGroupsPlan {
  units: Unit[];
  unnamed: number[];
  globalPositions: number[];
  /** Rows of other streams read to make the plan. */
  othersRead: number;
}

/**
 * Reads the events of every stream that is not a customer's, light (position, stream, type, and
 * the data's customerId read by SQLite): which customer each names, which the global projections
 * take; then packs the customers' groups into units (see `customerUnits`).
 */
export function planCustomerGroups(
  db: Database.Database,
  head: number,
  projections: readonly AnyProjection[],
): CustomerGroupsPlan {
  const { grouped, global, groupOf } = customerGrouping(projections);
  const takers = new Takers(grouped);
  const globalTakers = new Takers(global);
  const othersOf = new Map<string, number[]>();
  const unnamed: number[] = [];
  const globalPositions: number[] = [];
  let othersRead = 0;
  for (const [position, streamId, type, customer] of otherStreamRows(db, head, projections)) {
    othersRead++;
    if (takers.of(streamId, type).length) {
      if (typeof customer !== 'string') unnamed.push(position);
      else {
        let positions = othersOf.get(customer);
        if (!positions) othersOf.set(customer, (positions = []));
        positions.push(position);
      }
    }
    if (globalTakers.of(streamId, type).length) globalPositions.push(position);
  }
  return {
    units: customerUnits(db, groupOf, othersOf),
    unnamed,
    globalPositions,
    othersRead,
  };
}

/**
 * Folds the grouped projections (see `customerGrouping`) one unit of customer groups at a time,
 * each event read and parsed once, following `plan` (see `planCustomerGroups`):
 *
 * 1. per unit of groups (whole groups packed up to `UNIT_STREAMS` customers), the events of its
 *    customers' streams and of the other streams naming them, sorted by position, are folded and
 *    the unit's final states handed to the sink: memory holds one unit's states, not all;
 * 2. events of other streams that name no customer, as one more unit.
 *
 * Each key's events are folded in global order, as in any fold, provided no key has events in
 * two units: then it is handed over twice, which the caller checks (`RebuildSink.repeatedKeys`).
 * Returns the events read (the plan's included) and the positions of those the global
 * projections take.
 */
export async function foldCustomerGroups(
  db: Database.Database,
  head: number,
  projections: readonly AnyProjection[],
  sink: RebuildSink,
  onEvents: (count: number, position: GlobalPosition) => void,
  share?: CustomerShare,
  plan: CustomerGroupsPlan = planCustomerGroups(db, head, projections),
): Promise<{ events: number; globalPositions: number[] }> {
  const { grouped, global } = customerGrouping(projections);
  const takers = new Takers(grouped);
  const globalTakers = new Takers(global);
  const metadataOf = metadataReader(db);
  const firstShare = !share || share.index === 0;
  let events = 0;
  const progress = (count: number): void => {
    events += count;
    onEvents(count, BigInt(Math.min(head, events)));
  };
  const { units, unnamed } = plan;
  const globalPositions = firstShare ? [...plan.globalPositions] : [];
  if (firstShare) progress(plan.othersRead);

  const condition = filterCondition(unionFilter(projections));
  const streamRows = db
    .prepare(
      `SELECT position, stream_id, revision, event_id, type, data, recorded_at FROM es_events
       WHERE stream_no IN (SELECT value FROM json_each(?)) AND position <= ? AND (${condition.sql})`,
    )
    .raw(true);
  const read = rowsAtReader(db);
  const states = grouped.map((): FoldedStates => new Map());
  const foldUnit = async (rows: EventRow[]): Promise<void> => {
    rows.sort((a, b) => a[0] - b[0]);
    foldRows(rows, grouped, takers, states, metadataOf);
    for (let j = 0; j < grouped.length; j++) {
      for (const [key, folded] of states[j]) sink.done(grouped[j].index, key, folded);
      states[j].clear();
    }
    await sink.flush();
  };
  for (let u = 0; u < units.length; u++) {
    if (share && u % share.of !== share.index) continue;
    const unit = units[u];
    const rows = streamRows.all(
      JSON.stringify(unit.streams),
      head,
      ...condition.params,
    ) as EventRow[];
    const fromStreams = rows.length;
    for (const row of rows) {
      if (globalTakers.of(row[1], row[4]).length) globalPositions.push(row[0]);
    }
    if (unit.others.length) rows.push(...read(unit.others));
    await foldUnit(rows);
    progress(fromStreams);
    // Let timers (lease renewal, progress) run between units.
    await new Promise((resolve) => setImmediate(resolve));
  }

  if (firstShare && unnamed.length) await foldUnit(read(unnamed));
  return { events, globalPositions };
}

/**
 * Folds `global` projections over the events at `positions` in global order, and hands their
 * states to the sink at the end.
 */
export async function foldAtPositions(
  db: Database.Database,
  positions: number[],
  global: readonly Folding[],
  sink: RebuildSink,
): Promise<void> {
  if (!global.length) return;
  positions.sort((a, b) => a - b);
  const metadataOf = metadataReader(db);
  const read = rowsAtReader(db);
  const takers = new Takers(global);
  const states = global.map((): FoldedStates => new Map());
  for (let i = 0; i < positions.length; i += POSITIONS_PER_READ) {
    // A slice at a time: the rows read die young.
    foldRows(read(positions.slice(i, i + POSITIONS_PER_READ)), global, takers, states, metadataOf);
    await new Promise((resolve) => setImmediate(resolve));
  }
  for (let j = 0; j < global.length; j++) {
    let count = 0;
    for (const [key, folded] of states[j]) {
      sink.done(global[j].index, key, folded);
      if (++count % 1000 === 0) await sink.flush();
    }
  }
}

/** Folds rows, in the order given, into the states of the projections taking them. */
function foldRows(
  rows: readonly EventRow[],
  folding: readonly Folding[],
  takers: Takers,
  states: FoldedStates[],
  metadataOf: (position: number) => string,
): void {
  for (const row of rows) {
    const taking = takers.of(row[1], row[4]);
    if (!taking.length) continue;
    const event = new RowEvent(row, metadataOf);
    for (const j of taking) evolveInto(folding[j].projection, states[j], event);
  }
}

/**
 * The customer streams, their customers grouped by `groupOf` (undefined: one customer per group)
 * and whole groups packed into units of about `UNIT_STREAMS` streams (in stream order: every
 * worker computes the same units), with the positions of other streams' events naming each unit's customers, sorted. The streams are
 * read one row at a time and nothing is kept per customer but its group's stream numbers: a plan
 * for tens of thousands of customers fits in a few MB (a rebuild worker's heap is bounded).
 */
function customerUnits(
  db: Database.Database,
  groupOf: ((customerId: string) => string) | undefined,
  othersOf: Map<string, number[]>,
): Unit[] {
  const streamCount = db
    .prepare(`SELECT count(*) FROM es_streams WHERE ${CATEGORY_OF_STREAM} = ?`)
    .pluck(true)
    .get(CUSTOMER_STREAM_CATEGORY) as number;
  // Small stores are still cut into a few units, so that workers share them.
  const perUnit = Math.max(1, Math.min(UNIT_STREAMS, Math.ceil(streamCount / 16)));
  const units: Unit[] = [];
  let unit: Unit = { streams: [], others: [] };
  const add = (streams: readonly number[], customers: readonly string[]): void => {
    for (const stream of streams) unit.streams.push(stream);
    for (const customer of customers) {
      const positions = othersOf.get(customer);
      if (positions) for (const position of positions) unit.others.push(position);
    }
    if (unit.streams.length >= perUnit) {
      units.push(unit);
      unit = { streams: [], others: [] };
    }
  };
  const streams = db
    .prepare(
      `SELECT stream_no, stream_id FROM es_streams
       WHERE ${CATEGORY_OF_STREAM} = ? ORDER BY stream_no`,
    )
    .raw(true)
    .iterate(CUSTOMER_STREAM_CATEGORY) as IterableIterator<[number, string]>;
  // Customers other streams name that have a stream of their own (the rest get groups at the end).
  const withStream = new Set<string>();
  const customerOf = (streamId: string): string => {
    const customer = streamId.startsWith(CUSTOMER_PREFIX)
      ? streamId.slice(CUSTOMER_PREFIX.length)
      : '';
    if (othersOf.has(customer)) withStream.add(customer);
    return customer;
  };
  if (!groupOf) {
    // One customer per group: each stream is a group, in stream order.
    for (const [streamNo, streamId] of streams) add([streamNo], [customerOf(streamId)]);
    for (const customer of othersOf.keys()) {
      if (!withStream.has(customer)) add([], [customer]);
    }
  } else {
    const groups = new Map<string, { streams: number[]; customers: string[] }>();
    const groupFor = (customer: string) => {
      const id = groupOf(customer);
      let group = groups.get(id);
      if (!group) groups.set(id, (group = { streams: [], customers: [] }));
      return group;
    };
    for (const [streamNo, streamId] of streams) {
      const customer = customerOf(streamId);
      const group = groupFor(customer);
      group.streams.push(streamNo);
      group.customers.push(customer);
    }
    for (const customer of othersOf.keys()) {
      if (!withStream.has(customer)) groupFor(customer).customers.push(customer);
    }
    for (const group of groups.values()) add(group.streams, group.customers);
  }
  if (unit.streams.length || unit.others.length) units.push(unit);
  for (const { others } of units) others.sort((a, b) => a - b);
  return units;
}

/** Reads the rows at sorted positions, in position order. */
function rowsAtReader(db: Database.Database): (positions: readonly number[]) => EventRow[] {
  const statement = db
    .prepare(
      `SELECT position, stream_id, revision, event_id, type, data, recorded_at FROM es_events
       WHERE position IN (SELECT value FROM json_each(?)) ORDER BY position`,
    )
    .raw(true);
  return (positions) => {
    const rows: EventRow[] = [];
    for (let i = 0; i < positions.length; i += POSITIONS_PER_READ) {
      const slice = positions.slice(i, i + POSITIONS_PER_READ);
      rows.push(...(statement.all(JSON.stringify(slice)) as EventRow[]));
    }
    return rows;
  };
}

/**
 * The events of every stream that is not a customer's and that some projection takes, in global
 * order, light: position, stream, type and the data's customerId (read by SQLite, not parsed),
 * one row at a time (the connection runs nothing else until the last).
 */
function otherStreamRows(
  db: Database.Database,
  head: number,
  projections: readonly AnyProjection[],
): IterableIterator<[number, string, string, unknown]> {
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
    .iterate(CUSTOMER_STREAM_CATEGORY, head, ...condition.params) as IterableIterator<
    [number, string, string, unknown]
  >;
}
