import type { PgSession } from './pg-session';

/** One row of a point read, in the columns every read of a batch shares. */
export interface PointRow {
  key: string;
  state: string | null;
  position: string | null;
  /** A status row as JSON text (status reads only). */
  status: string | null;
}

interface Pending {
  /** The read's SELECT of (key, state, position, status), its one parameter spelled `$p`. */
  select: string;
  param: unknown;
  resolve: (row: PointRow | undefined) => void;
  reject: (error: unknown) => void;
}

/** Most reads in one statement (one parameter each). */
const MAX_BATCH = 200;

/**
 * Point reads (one row by key: a state, a projection's status) asked for in the same turn of the
 * event loop go to PostgreSQL as one statement, `UNION ALL` of each read's SELECT: a customer view's
 * profile, satisfaction, incidents and the two statuses its memos check cost one round trip instead
 * of five, and views served together share it. Each read gets its own row, or undefined. If the
 * statement fails, each read runs alone, so an error reaches only the reads it concerns.
 */
export class PgPointReads {
  private pending: Pending[] = [];

  constructor(private readonly session: PgSession) {}

  read(select: string, param: unknown): Promise<PointRow | undefined> {
    return new Promise((resolve, reject) => {
      this.pending.push({ select, param, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const all = this.pending;
    this.pending = [];
    for (let start = 0; start < all.length; start += MAX_BATCH) {
      const batch = all.slice(start, start + MAX_BATCH);
      if (batch.length === 1) {
        await this.alone(batch[0]);
        continue;
      }
      const sql = batch
        .map(
          (read, i) => `SELECT ${i} AS i, r.* FROM (${read.select.replace('$p', `$${i + 1}`)}) r`,
        )
        .join(' UNION ALL ');
      let rows: (PointRow & { i: number })[];
      try {
        ({ rows } = await this.session.query<PointRow & { i: number }>(
          sql,
          batch.map((read) => read.param),
        ));
      } catch {
        await Promise.all(batch.map((read) => this.alone(read)));
        continue;
      }
      const found: (PointRow | undefined)[] = new Array(batch.length);
      for (const row of rows) found[row.i] ??= row;
      batch.forEach((read, i) => read.resolve(found[i]));
    }
  }

  private async alone(read: Pending): Promise<void> {
    try {
      const { rows } = await this.session.query<PointRow>(read.select.replace('$p', '$1'), [
        read.param,
      ]);
      read.resolve(rows[0]);
    } catch (error) {
      read.reject(error);
    }
  }
}
