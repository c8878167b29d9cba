import {
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
import { q, type SqliteSession } from './sqlite-session';

/** Reads of SQLite read models: one state, pages of states by a column, counts. */
export class SqliteReadModelQueries {
  constructor(
    private readonly session: SqliteSession,
    private readonly forms: StoredForms,
  ) {}

  loadStates(name: string, keys: readonly string[]): Map<string, unknown> {
    const found = new Map<string, unknown>();
    const select = this.session.stmt(`SELECT state FROM ${q(readModelTable(name))} WHERE key = ?`);
    for (const key of keys) {
      const row = select.get(key) as { state: string } | undefined;
      if (row) found.set(key, this.forms.decode(name, key, row.state));
    }
    return found;
  }

  get<State = unknown>(name: string, key: string): StoredState<State> | undefined {
    const table = this.session.existingTable(name);
    const row = this.session
      .stmt(`SELECT key, state, position FROM ${q(table)} WHERE key = ?`)
      .get(key) as { key: string; state: string; position: number } | undefined;
    return row ? this.forms.row<State>(name, row) : undefined;
  }

  list<State = unknown>(name: string, query: ListQuery = {}): ListPage<State> {
    const table = this.session.existingTable(name);
    const orderBy = query.orderBy ?? 'key';
    this.session.assertColumn(table, orderBy);
    const direction = query.direction === 'desc' ? 'DESC' : 'ASC';
    const limit = query.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
      throw new InvalidReadModelQueryError('limit must be an integer from 1 to 10000');
    }
    const { sql: whereSql, params } = this.whereClause(table, query.where);
    const clauses = whereSql ? [whereSql] : [];
    if (query.after) {
      const [value, key] = decodeCursor(query.after);
      const cmp = direction === 'ASC' ? '>' : '<';
      if (orderBy === 'key') {
        clauses.push(`key ${cmp} ?`);
        params.push(key);
      } else {
        clauses.push(
          keysetAfter(q(orderBy), direction, value, key, (v) => (params.push(v as never), '?')),
        );
      }
    }
    const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
    const order =
      orderBy === 'key' ? `key ${direction}` : `${q(orderBy)} ${direction}, key ${direction}`;
    const offset = query.after ? 0 : (query.offset ?? 0);
    const rows = this.session
      .stmt(
        `SELECT key, state, position, ${orderBy === 'key' ? 'key' : q(orderBy)} AS sort_value
         FROM ${q(table)} ${where} ORDER BY ${order} LIMIT ? OFFSET ?`,
      )
      .all(...params, limit, offset) as {
      key: string;
      state: string;
      position: number;
      sort_value: ColumnValue;
    }[];
    const last = rows[rows.length - 1];
    return {
      items: rows.map((row) => this.forms.row<State>(name, row)),
      nextCursor:
        rows.length === limit && last ? encodeCursor(last.sort_value, last.key) : undefined,
    };
  }

  count(name: string, where?: ListQuery['where']): number {
    const table = this.session.existingTable(name);
    const { sql, params } = this.whereClause(table, where);
    const row = this.session
      .stmt(`SELECT count(*) AS n FROM ${q(table)} ${sql ? `WHERE ${sql}` : ''}`)
      .get(...params) as { n: number };
    return row.n;
  }

  private whereClause(
    table: string,
    where: ListQuery['where'],
  ): { sql: string; params: ColumnValue[] } {
    const params: ColumnValue[] = [];
    const parts = normalizeWhere(where).map((condition) => {
      this.session.assertColumn(table, condition.column);
      if (!['=', '!=', '<', '<=', '>', '>='].includes(condition.op)) {
        throw new InvalidReadModelQueryError(`Unknown operator '${String(condition.op)}'`);
      }
      if (condition.value === null) {
        if (condition.op === '=') return `${q(condition.column)} IS NULL`;
        if (condition.op === '!=') return `${q(condition.column)} IS NOT NULL`;
        throw new InvalidReadModelQueryError(`Cannot compare ${condition.column} with null`);
      }
      params.push(condition.value);
      return `${q(condition.column)} ${condition.op} ?`;
    });
    return { sql: parts.join(' AND '), params };
  }
}
