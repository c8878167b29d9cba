import type { GlobalPosition } from '@aftercare/event-store';
import type { AnyProjection } from '@aftercare/projections';

/** What the status table says about a projection's runner. */
export type ProjectionRunState = 'running' | 'stopped' | 'failed';

/** As reported: `rebuilding` while a rebuild holds its lease, the run state otherwise. */
export type ProjectionStatusKind = ProjectionRunState | 'rebuilding';

/** The event a handler threw on: the projection stops there until it is resumed. */
export interface ProjectionFailure {
  error: string;
  position: GlobalPosition;
  eventId: string;
}

export interface ProjectionStatusRecord {
  name: string;
  /** Version of the code that built the active table. */
  version: number;
  /** Position of the last event applied, undefined when nothing has been applied yet. */
  checkpoint: GlobalPosition | undefined;
  status: ProjectionStatusKind;
  failure: ProjectionFailure | undefined;
  updatedAt: string;
  activeTable: string;
  /** Bumped by every rebuild swap: a runner folding on an older epoch must reload. */
  epoch: number;
  leaseOwner: string | undefined;
  leaseExpiresAt: string | undefined;
}

/** One state to write: the key's state after the last event applied to it. */
export interface StateWrite {
  key: string;
  state: unknown;
  position: GlobalPosition;
  /** The state already serialised with its column values (a rebuild worker did it); then `state` is unused. */
  encoded?: EncodedState;
}

/** A state as JSON text and its column values, in the projection's column order. */
export interface EncodedState {
  json: string;
  columns: ColumnValue[];
}

export interface BatchCommit {
  /** The runner's lease owner id: the commit is refused if another instance holds the lease. */
  owner: string;
  /** Epoch the states were folded on: the commit is refused if a rebuild swapped tables since. */
  epoch: number;
  leaseTtlMs: number;
  states: readonly StateWrite[];
  /** Position of the last event applied (unchanged when the batch applied nothing). */
  checkpoint: GlobalPosition | undefined;
  /** Stops the projection at this event, in the same transaction. */
  failure?: ProjectionFailure;
}

export type CommitOutcome = 'committed' | 'lease_lost' | 'epoch_changed';

export interface LeaseRenewal {
  held: boolean;
  epoch: number;
}

export interface StoredState<State = unknown> {
  key: string;
  state: State;
  position: GlobalPosition;
}

export type ColumnValue = string | number | null;
export type ComparisonOperator = '=' | '!=' | '<' | '<=' | '>' | '>=';

export interface ColumnCondition {
  column: string;
  op: ComparisonOperator;
  value: ColumnValue;
}

export interface ListQuery {
  /** Conditions on the projection's columns (or `key`, `position`), all of which must hold. */
  where?: readonly ColumnCondition[] | Readonly<Record<string, ColumnValue>>;
  /** A column of the projection, `key` or `position`. Defaults to `key`; ties are broken by key. */
  orderBy?: string;
  direction?: 'asc' | 'desc';
  /** Defaults to 100. */
  limit?: number;
  offset?: number;
  /** Keyset pagination: the `nextCursor` of the previous page (ignores `offset`). */
  after?: string;
}

export interface ListPage<State = unknown> {
  items: StoredState<State>[];
  /** Present when more rows may follow. */
  nextCursor?: string;
}

/** Thrown by a store when a projection's `columns` or the state's JSON encoding fails on a key. */
export class StateEncodingError extends Error {
  constructor(
    readonly key: string,
    readonly cause: unknown,
  ) {
    super(
      `Cannot store the state of key '${key}': ${cause instanceof Error ? cause.message : String(cause)}`,
    );
    this.name = 'StateEncodingError';
  }
}

export class UnknownReadModelError extends Error {
  constructor(readonly projection: string) {
    super(`No read model named '${projection}'`);
    this.name = 'UnknownReadModelError';
  }
}

export class InvalidReadModelQueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidReadModelQueryError';
  }
}

/**
 * Where read models, checkpoints and leases live. Every write that moves a checkpoint writes the
 * states it covers in the same transaction, so a read model is never half-applied.
 */
export interface ReadModelStore {
  readonly kind: 'sqlite' | 'postgres';

  /** Creates the status row and the table on first use; returns the stored status. */
  register(projection: AnyProjection): Promise<ProjectionStatusRecord>;
  getStatus(name: string): Promise<ProjectionStatusRecord | undefined>;
  listStatuses(): Promise<ProjectionStatusRecord[]>;

  /** Takes (or renews) the lease of a projection; false when another live owner holds it. */
  acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean>;
  renewLease(name: string, owner: string, ttlMs: number): Promise<LeaseRenewal>;
  releaseLease(name: string, owner: string): Promise<void>;

  loadStates(name: string, keys: readonly string[]): Promise<Map<string, unknown>>;
  commitBatch(projection: AnyProjection, commit: BatchCommit): Promise<CommitOutcome>;
  setRunState(
    name: string,
    state: ProjectionRunState,
    options?: { clearFailure?: boolean },
  ): Promise<void>;
  /** Marks a projection failed outside a batch (e.g. its rebuild threw on an event). */
  recordFailure(name: string, failure: ProjectionFailure): Promise<void>;

  /** Rebuild: a fresh `rm_<name>__rebuild` table, written in chunks, then swapped in atomically. */
  beginRebuild(projection: AnyProjection): Promise<void>;
  writeRebuildStates(projection: AnyProjection, states: readonly StateWrite[]): Promise<void>;
  /** Rows written into the rebuild table so far (one per key). */
  countRebuildRows(projection: AnyProjection): Promise<number>;
  /** Renames the rebuilt table into place and sets version, checkpoint and epoch in one transaction. */
  swapRebuild(
    projection: AnyProjection,
    checkpoint: GlobalPosition | undefined,
    rebuildOwner: string,
  ): Promise<ProjectionStatusRecord>;
  abandonRebuild(name: string): Promise<void>;

  get<State = unknown>(name: string, key: string): Promise<StoredState<State> | undefined>;
  list<State = unknown>(name: string, query?: ListQuery): Promise<ListPage<State>>;
  count(name: string, where?: ListQuery['where']): Promise<number>;

  close(): Promise<void>;
}

/** The lease a rebuild holds, next to the runner's, so two rebuilds never race. */
export function rebuildLeaseName(name: string): string {
  return `${name}#rebuild`;
}

const IDENTIFIER = /^[a-z][a-z0-9_]{0,62}$/i;

/** Projection and column names become SQL identifiers: keep them plain. */
export function assertIdentifier(value: string, what: string): void {
  if (!IDENTIFIER.test(value) || value.includes('__')) {
    throw new InvalidReadModelQueryError(
      `${what} '${value}' must start with a letter and hold only letters, digits and single underscores`,
    );
  }
}

/** A projection's column names, checked as identifiers and against the reserved ones. */
export function columnNames(projection: AnyProjection): string[] {
  const names = Object.keys(projection.columns ?? {});
  for (const name of names) {
    assertIdentifier(name, `Column of ${projection.name}`);
    if (name === 'key' || name === 'state' || name === 'position') {
      throw new InvalidReadModelQueryError(`Column name '${name}' is reserved`);
    }
  }
  return names;
}

/** The columns a projection indexes (`indexes`), in its order, each one of its columns. */
export function indexedColumns(projection: AnyProjection): string[] {
  const columns = new Set(columnNames(projection));
  const indexed = [...new Set(projection.indexes ?? [])];
  for (const column of indexed) {
    if (!columns.has(column)) {
      throw new InvalidReadModelQueryError(
        `${projection.name} indexes '${column}', which is not one of its columns`,
      );
    }
  }
  return indexed;
}

export function readModelTable(name: string): string {
  return `rm_${name}`;
}

export function rebuildTable(name: string): string {
  return `rm_${name}__rebuild`;
}

export function normalizeWhere(where: ListQuery['where']): ColumnCondition[] {
  if (!where) return [];
  if (Array.isArray(where)) return [...(where as readonly ColumnCondition[])];
  return Object.entries(where as Readonly<Record<string, ColumnValue>>).map(([column, value]) => ({
    column,
    op: '=' as const,
    value,
  }));
}

function isColumnValue(value: unknown): value is ColumnValue {
  return value === null || typeof value === 'string' || Number.isFinite(value);
}

export function encodeCursor(value: ColumnValue, key: string): string {
  return Buffer.from(JSON.stringify([value, key])).toString('base64url');
}

/**
 * The (value, key) of a cursor `encodeCursor` issued. Anything else is refused here: a value
 * that is not a column value (`true`, `{}`, `[1, 2]`) would otherwise reach the database as a
 * parameter, where SQLite refuses to bind it or binds an object's fields as named parameters.
 */
export function decodeCursor(cursor: string): [ColumnValue, string] {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(decoded) &&
      decoded.length === 2 &&
      isColumnValue(decoded[0]) &&
      typeof decoded[1] === 'string'
    ) {
      return [decoded[0], decoded[1]];
    }
  } catch {
    // fall through to the error below
  }
  throw new InvalidReadModelQueryError(`Invalid cursor '${cursor}'`);
}

/**
 * The rows after a keyset cursor (value, key) in `column` order, ties broken by key, with NULLs
 * first ascending and last descending (both stores sort them so). A row-value comparison
 * `(column, key) > (?, ?)` is NULL when either side holds a NULL, which ended pages early.
 * `param` adds a parameter and returns its placeholder.
 */
export function keysetAfter(
  column: string,
  direction: 'ASC' | 'DESC',
  value: ColumnValue,
  key: string,
  param: (value: unknown) => string,
): string {
  const cmp = direction === 'ASC' ? '>' : '<';
  if (value === null) {
    const sameNull = `(${column} IS NULL AND key ${cmp} ${param(key)})`;
    return direction === 'ASC' ? `(${sameNull} OR ${column} IS NOT NULL)` : sameNull;
  }
  const after = `(${column} ${cmp} ${param(value)} OR (${column} = ${param(value)} AND key ${cmp} ${param(key)}))`;
  return direction === 'ASC' ? after : `(${after} OR ${column} IS NULL)`;
}
