import type { GlobalPosition } from '@aftercare/event-store';
import type { AnyProjection } from '@aftercare/projections';
import {
  assertIdentifier,
  columnNames,
  indexedColumns,
  readModelTable,
  rebuildLeaseName,
  rebuildTable,
  type StateWrite,
} from '../read-model-store';
import {
  assertTableNameFits,
  createIndexes,
  createTable,
  encode,
  lastWriteWins,
  upsert,
} from './pg-columns';
import { type PgSession, primaryKeyName, q } from './pg-session';

/**
 * Rebuild and swap: a fresh `rm_<name>__rebuild` table, written in chunks while the live table
 * serves, indexed, then dropped-and-renamed into place with the status update in one transaction
 * (PostgreSQL DDL is transactional: readers see the old table or the new one, never neither).
 */
export class PgRebuilds {
  constructor(private readonly session: PgSession) {}

  async begin(projection: AnyProjection): Promise<void> {
    assertIdentifier(projection.name, 'Projection name');
    assertTableNameFits(projection.name);
    const table = rebuildTable(projection.name);
    await this.session.transaction(async (client) => {
      await client.query(`DROP TABLE IF EXISTS ${this.session.t(table)}`);
      // Indexes come at the swap: building them once over the full table is faster.
      await createTable(this.session, client, table, columnNames(projection));
    });
  }

  async write(projection: AnyProjection, states: readonly StateWrite[]): Promise<void> {
    const rows = lastWriteWins(encode(projection, states));
    if (!rows.length) return;
    await this.session.transaction((client) =>
      upsert(this.session, client, projection, rebuildTable(projection.name), rows, undefined),
    );
  }

  async count(projection: AnyProjection): Promise<number> {
    assertIdentifier(projection.name, 'Projection name');
    const { rows } = await this.session.pool.query<{ count: string }>(
      `SELECT count(*)::text AS count FROM ${this.session.t(rebuildTable(projection.name))}`,
    );
    return Number(rows[0].count);
  }

  /** Swaps the rebuilt table in; throws when the rebuild lost its lease or another swap won. */
  async swap(
    projection: AnyProjection,
    checkpoint: GlobalPosition | undefined,
    rebuildOwner: string,
  ): Promise<void> {
    const { session } = this;
    const name = projection.name;
    const live = readModelTable(name);
    const rebuilt = rebuildTable(name);
    const nextEpoch = (await this.epochOf(name)) + 1;
    // Outside the swap transaction: the live table keeps serving while the indexes build.
    await session.transaction((client) =>
      createIndexes(session, client, name, rebuilt, indexedColumns(projection), nextEpoch),
    );
    await session.transaction(async (client) => {
      const status = await client.query<{ epoch: string }>(
        `SELECT epoch::text AS epoch FROM ${session.t('rm_projection_status')} WHERE name = $1 FOR UPDATE`,
        [name],
      );
      const lease = await client.query<{ owner: string }>(
        `SELECT owner FROM ${session.t('rm_projection_lease')} WHERE name = $1 FOR UPDATE`,
        [rebuildLeaseName(name)],
      );
      if (lease.rows[0]?.owner !== rebuildOwner) {
        throw new Error(`The rebuild of '${name}' lost its lease; the old table keeps serving`);
      }
      if (Number(status.rows[0]?.epoch ?? 0) + 1 !== nextEpoch) {
        throw new Error(`'${name}' was swapped by another rebuild meanwhile`);
      }
      // Dropping (not renaming aside) frees the name of the old primary key index too; PostgreSQL
      // removes the files only at commit, so this is as cheap as a rename.
      await client.query(`DROP TABLE IF EXISTS ${session.t(live)}`);
      await client.query(`ALTER TABLE ${session.t(rebuilt)} RENAME TO ${q(live)}`);
      await client.query(
        `ALTER INDEX ${session.t(primaryKeyName(rebuilt))} RENAME TO ${q(primaryKeyName(live))}`,
      );
      await client.query(
        `UPDATE ${session.t('rm_projection_status')}
         SET version = $1, checkpoint = $2, epoch = $3, updated_at = now(), active_table = $4,
             status = CASE WHEN status = 'failed' THEN 'stopped' ELSE status END,
             error = NULL, failed_position = NULL, failed_event_id = NULL
         WHERE name = $5`,
        [projection.version, checkpoint?.toString() ?? null, nextEpoch, live, name],
      );
    });
    session.forget(live);
  }

  async abandon(name: string): Promise<void> {
    assertIdentifier(name, 'Projection name');
    await this.session.pool.query(`DROP TABLE IF EXISTS ${this.session.t(rebuildTable(name))}`);
  }

  private async epochOf(name: string): Promise<number> {
    const { rows } = await this.session.pool.query<{ epoch: string }>(
      `SELECT epoch::text AS epoch FROM ${this.session.t('rm_projection_status')} WHERE name = $1`,
      [name],
    );
    return Number(rows[0]?.epoch ?? 0);
  }
}
