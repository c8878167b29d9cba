import {
  assertIdentifier,
  type ColumnValue,
  decodeCursor,
  encodeCursor,
  InvalidReadModelQueryError,
  keysetAfter,
  type ListPage,
  type ListQuery,
  normalizeWhere,
  readModelTable,
  type StoredState,
} from '../read-model-store';
import type { StoredForms } from '../state-encoding';
import { readColumnTypes, type ReadModelColumnType } from './pg-columns';
import type { PgPointReads } from './pg-point-reads';
import { type PgSession, q } from './pg-session';

/** Reads of PostgreSQL read models: one state, a page of states in an indexed order, a count. */
export class PgReadModelQueries {
  constructor(
    private readonly session: PgSession,
    private readonly forms: StoredForms,
    private readonly points: PgPointReads,
  ) {}

  /** One state by key; reads asked for together share a round trip (PgPointReads). */
  async get<State = unknown>(name: string, key: string): Promise<StoredState<State> | undefined> {
    const { session } = this;
    const table = await session.existingTable(name);
    const row = await this.points.read(
      `SELECT key, state, position::text AS position, NULL::text AS status
       FROM ${session.t(table)} WHERE key = $p`,
      key,
    );
    return row
      ? this.forms.row<State>(name, row as { key: string; state: string; position: string })
      : undefined;
  }

  async list<State = unknown>(name: string, query: ListQuery = {}): Promise<ListPage<State>> {
    const { session } = this;
    const table = await session.existingTable(name);
    const orderBy = query.orderBy ?? 'key';
    await session.assertColumn(table, orderBy);
    const direction = query.direction === 'desc' ? 'DESC' : 'ASC';
    const limit = query.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
      throw new InvalidReadModelQueryError('limit must be an integer from 1 to 10000');
    }
    const params: unknown[] = [];
    const whereSql = await this.whereClause(table, query.where, params);
    const clauses = whereSql ? [whereSql] : [];
    if (query.after) {
      const [value, key] = decodeCursor(query.after);
      const cmp = direction === 'ASC' ? '>' : '<';
      if (orderBy === 'key') {
        params.push(key);
        clauses.push(`key ${cmp} $${params.length}`);
      } else {
        clauses.push(keysetAfter(q(orderBy), direction, value, key, (v) => `$${params.push(v)}`));
      }
    }
    const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
    // SQLite puts NULLs first ascending and last descending: so do we.
    const nulls = direction === 'ASC' ? 'NULLS FIRST' : 'NULLS LAST';
    // Qualified: a bare name in ORDER BY would mean the output column (`position` is text there).
    const order =
      orderBy === 'key'
        ? `r.key ${direction}`
        : `r.${q(orderBy)} ${direction} ${nulls}, r.key ${direction}`;
    const offset = query.after ? 0 : (query.offset ?? 0);
    if (!Number.isInteger(offset) || offset < 0) {
      throw new InvalidReadModelQueryError('offset must be a non-negative integer');
    }
    // bigint as text: the cursor carries it exactly, and it goes back in as a parameter.
    const sortValue =
      orderBy === 'key' ? 'key' : `${q(orderBy)}${orderBy === 'position' ? '::text' : ''}`;
    params.push(limit, offset);
    const { rows } = await session.query<{
      key: string;
      state: string;
      position: string;
      sort_value: ColumnValue;
    }>(
      `SELECT key, state, position::text AS position, ${sortValue} AS sort_value
       FROM ${session.t(table)} AS r ${where} ORDER BY ${order}
       LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    const last = rows[rows.length - 1];
    return {
      items: rows.map((row) => this.forms.row<State>(name, row)),
      nextCursor:
        rows.length === limit && last ? encodeCursor(last.sort_value, last.key) : undefined,
    };
  }

  async count(name: string, where?: ListQuery['where']): Promise<number> {
    const { session } = this;
    const table = await session.existingTable(name);
    const params: unknown[] = [];
    const sql = await this.whereClause(table, where, params);
    const { rows } = await session.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM ${session.t(table)} ${sql ? `WHERE ${sql}` : ''}`,
      params,
    );
    return Number(rows[0].n);
  }

  /** The stored type of each column of a projection's live table (diagnostics, tests). */
  async columnTypes(name: string): Promise<Record<string, ReadModelColumnType>> {
    assertIdentifier(name, 'Projection name');
    const client = await this.session.pool.connect();
    try {
      return Object.fromEntries(await readColumnTypes(this.session, client, readModelTable(name)));
    } finally {
      client.release();
    }
  }

  private async whereClause(
    table: string,
    where: ListQuery['where'],
    params: unknown[],
  ): Promise<string> {
    const parts: string[] = [];
    for (const condition of normalizeWhere(where)) {
      await this.session.assertColumn(table, condition.column);
      if (!['=', '!=', '<', '<=', '>', '>='].includes(condition.op)) {
        throw new InvalidReadModelQueryError(`Unknown operator '${String(condition.op)}'`);
      }
      if (condition.value === null) {
        if (condition.op === '=') parts.push(`${q(condition.column)} IS NULL`);
        else if (condition.op === '!=') parts.push(`${q(condition.column)} IS NOT NULL`);
        else throw new InvalidReadModelQueryError(`Cannot compare ${condition.column} with null`);
        continue;
      }
      params.push(condition.value);
      parts.push(`${q(condition.column)} ${condition.op} $${params.length}`);
    }
    return parts.join(' AND ');
  }
}
