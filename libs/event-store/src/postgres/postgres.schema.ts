/** The store's tables, its two SQL functions and the queries it prepares (see postgres.event-store.ts). */
import type { EventMetadata } from '../event-store.port';

/** First half of the in-flight marker's advisory lock key: arbitrary, names "Aftercare event store". */
export const LOCK_CLASS = 0x0af7ca2e;
/** First half of the per-stream advisory lock key; the second is hashtext(stream id). */
export const STREAM_LOCK_CLASS = 0x0af7ca2f;
/** First half of the key a listening connection holds (postgres.notifier.ts); the second is lockKey. */
export const LISTENER_LOCK_CLASS = 0x0af7ca30;

/** Row of es_events in array mode: position, stream_id, revision, event_id, type, data, metadata, recorded_at (ms). */
export type EventRow = [string, string, string, string, string, unknown, EventMetadata, number];

export const COLUMNS = `position, stream_id, revision, event_id::text, type, data, metadata,
  (extract(epoch from recorded_at) * 1000)::float8`;

export function schemaSql(schema: string): string {
  return `
CREATE SCHEMA IF NOT EXISTS ${schema};
CREATE TABLE IF NOT EXISTS ${schema}.es_events (
  position    bigint      PRIMARY KEY,
  stream_id   text        NOT NULL,
  revision    bigint      NOT NULL,
  event_id    uuid        NOT NULL,
  type        text        NOT NULL,
  data        jsonb       NOT NULL,
  metadata    jsonb       NOT NULL,
  recorded_at timestamptz NOT NULL,
  CONSTRAINT es_events_stream_revision UNIQUE (stream_id, revision),
  CONSTRAINT es_events_stream_event_id UNIQUE (stream_id, event_id)
);
CREATE TABLE IF NOT EXISTS ${schema}.es_checkpoints (
  consumer_id text        PRIMARY KEY,
  position    bigint      NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE SEQUENCE IF NOT EXISTS ${schema}.es_position_seq AS bigint;
-- A store written before positions came from the sequence: continue after its last position.
SELECT setval('${schema}.es_position_seq', m)
  FROM (SELECT max(position) AS m FROM ${schema}.es_events) head
  WHERE m IS NOT NULL AND m > coalesce(pg_sequence_last_value('${schema}.es_position_seq'), 0);
-- Returns one row: outcome 'appended' (the revision before the batch, the batch's positions,
-- recorded_at), 'idempotent' (every id is already in the stream) or 'wrong_expected' (the actual
-- revision, null when the stream does not exist).
-- The version before positions came from the sequence returned first_position instead; its
-- writers must be stopped before this one starts (CREATE OR REPLACE keeps a running store's
-- function in place otherwise).
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = '${schema}' AND p.proname = 'es_append'
               AND pg_get_function_result(p.oid) LIKE '%first_position%') THEN
    DROP FUNCTION ${schema}.es_append(text, text, uuid[], text[], jsonb[], jsonb[]);
  END IF;
END $$;
CREATE OR REPLACE FUNCTION ${schema}.es_append(
  p_stream text, p_expected text, p_ids uuid[], p_types text[], p_data jsonb[], p_metadata jsonb[])
RETURNS TABLE (outcome text, current_revision bigint, positions bigint[], recorded_at timestamptz)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_count     int := cardinality(p_ids);
  v_existing  int := 0;
  v_locked    boolean;
  v_positions bigint[] := '{}';
BEGIN
  -- CPU per append is what 8 callers compete for, so the happy path runs two SQL statements
  -- (revision, insert; three when the stream exists): locks are taken by plain assignments (no
  -- query), and the result is returned without one.
  -- Writers to one stream take turns from here to their commit, so the revision read below is
  -- the one the insert builds on and the idempotency check sees every committed id; appends to
  -- other streams go on (a hash collision only makes two streams take turns).
  v_locked := pg_advisory_xact_lock(${STREAM_LOCK_CLASS}, hashtext('${schema}:' || p_stream)) IS NULL;
  SELECT max(e.revision) INTO current_revision FROM ${schema}.es_events e
   WHERE e.stream_id = p_stream;
  IF current_revision IS NOT NULL THEN
    -- One id: a plain index probe (a generic plan for "= ANY" costs several times as much).
    IF v_count = 1 THEN
      SELECT count(*) INTO v_existing FROM ${schema}.es_events e
       WHERE e.stream_id = p_stream AND e.event_id = p_ids[1];
    ELSE
      SELECT count(*) INTO v_existing FROM ${schema}.es_events e
       WHERE e.stream_id = p_stream AND e.event_id = ANY (p_ids);
    END IF;
  END IF;
  IF v_existing = v_count THEN
    outcome := 'idempotent';
  ELSIF v_existing > 0
     OR (p_expected = 'no_stream' AND current_revision IS NOT NULL)
     OR (p_expected = 'stream_exists' AND current_revision IS NULL)
     OR (p_expected NOT IN ('any', 'no_stream', 'stream_exists')
         AND current_revision IS DISTINCT FROM p_expected::bigint) THEN
    outcome := 'wrong_expected';
  ELSE
    -- In flight from before its first position is drawn until its commit is visible (PostgreSQL
    -- releases transaction locks after that): readers find in-flight appends in pg_locks and wait
    -- for them (es_high_water). Shared, so appenders never wait for each other here.
    v_locked := pg_advisory_xact_lock_shared(${LOCK_CLASS}, ${lockKey(schema)}) IS NULL;
    FOR i IN 1 .. v_count LOOP
      v_positions[i] := nextval('${schema}.es_position_seq');
    END LOOP;
    recorded_at := clock_timestamp();
    INSERT INTO ${schema}.es_events
      (position, stream_id, revision, event_id, type, data, metadata, recorded_at)
    SELECT v_positions[u.ord], p_stream, coalesce(current_revision, -1) + u.ord, u.id, u.type,
           u.data, u.metadata, recorded_at
    FROM unnest(p_ids, p_types, p_data, p_metadata) WITH ORDINALITY AS u(id, type, data, metadata, ord);
    outcome := 'appended';
    positions := v_positions;
  END IF;
  RETURN NEXT;
END
$fn$;
-- Single-event appends of one process sent together (postgres.append-groups.ts): one row per
-- append, in the order given, with es_append's outcomes ('appended' with the event's position,
-- 'idempotent', 'wrong_expected' with the actual revision). Every stream's lock is taken first,
-- in the order given (callers sort by stream, so groups never wait for each other in a cycle),
-- and only then the in-flight marker, so a group waiting for a stream holds no reader back.
CREATE OR REPLACE FUNCTION ${schema}.es_append_each(
  p_streams text[], p_expected text[], p_ids uuid[], p_types text[], p_data jsonb[], p_metadata jsonb[])
RETURNS TABLE (outcome text, current_revision bigint, event_position bigint, recorded_at timestamptz)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_existing int;
  v_locked   boolean;
  v_marked   boolean := false;
BEGIN
  FOR i IN 1 .. cardinality(p_streams) LOOP
    v_locked := pg_advisory_xact_lock(${STREAM_LOCK_CLASS}, hashtext('${schema}:' || p_streams[i])) IS NULL;
  END LOOP;
  FOR i IN 1 .. cardinality(p_streams) LOOP
    SELECT max(e.revision) INTO current_revision FROM ${schema}.es_events e
     WHERE e.stream_id = p_streams[i];
    v_existing := 0;
    IF current_revision IS NOT NULL THEN
      SELECT count(*) INTO v_existing FROM ${schema}.es_events e
       WHERE e.stream_id = p_streams[i] AND e.event_id = p_ids[i];
    END IF;
    event_position := NULL;
    recorded_at := NULL;
    IF v_existing = 1 THEN
      outcome := 'idempotent';
    ELSIF (p_expected[i] = 'no_stream' AND current_revision IS NOT NULL)
       OR (p_expected[i] = 'stream_exists' AND current_revision IS NULL)
       OR (p_expected[i] NOT IN ('any', 'no_stream', 'stream_exists')
           AND current_revision IS DISTINCT FROM p_expected[i]::bigint) THEN
      outcome := 'wrong_expected';
    ELSE
      IF NOT v_marked THEN
        v_locked := pg_advisory_xact_lock_shared(${LOCK_CLASS}, ${lockKey(schema)}) IS NULL;
        v_marked := true;
      END IF;
      event_position := nextval('${schema}.es_position_seq');
      recorded_at := clock_timestamp();
      INSERT INTO ${schema}.es_events
        (position, stream_id, revision, event_id, type, data, metadata, recorded_at)
      VALUES (event_position, p_streams[i], coalesce(current_revision, -1) + 1, p_ids[i],
              p_types[i], p_data[i], p_metadata[i], recorded_at);
      outcome := 'appended';
    END IF;
    RETURN NEXT;
  END LOOP;
END
$fn$;
-- Where readers may read up to: the last position drawn, and the appends still in flight (their
-- virtual transaction ids). Read in this order, every append holding a position up to
-- last_drawn is either listed or already visible (or rolled back); once the listed ones have
-- left pg_locks, every position up to last_drawn is final.
CREATE OR REPLACE FUNCTION ${schema}.es_high_water(OUT last_drawn bigint, OUT in_flight text[])
LANGUAGE plpgsql AS $fn$
BEGIN
  SELECT coalesce(pg_sequence_last_value('${schema}.es_position_seq'), 0) INTO last_drawn;
  SELECT coalesce(array_agg(l.virtualtransaction), '{}') INTO in_flight FROM pg_locks l
   WHERE l.locktype = 'advisory' AND l.classid = ${LOCK_CLASS} AND l.objid = ${lockKey(schema)}
     AND l.objsubid = 2 AND l.granted AND l.pid <> pg_backend_pid()
     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database());
END
$fn$;`;
}

/** A 31-bit hash of the schema name, so stores in different schemas do not share the lock. */
export function lockKey(schema: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < schema.length; i++) {
    hash = Math.imul(hash ^ schema.charCodeAt(i), 0x01000193);
  }
  return hash & 0x7fffffff;
}

export function channelOf(schema: string): string {
  return `es_appended_${schema}`;
}

/** What a listening connection runs: LISTEN, then its lock (held with the session) and its pid. */
export function listenSql(schema: string): { listen: string; register: string } {
  return {
    listen: `LISTEN ${channelOf(schema)}`,
    register: `SELECT pg_backend_pid(), pg_advisory_lock_shared(${LISTENER_LOCK_CLASS}, ${lockKey(schema)}) IS NULL`,
  };
}

export function prepareQueries(schema: string) {
  // Named queries are parsed and planned once per connection.
  const named = (name: string, text: string) => ({
    name: `${schema}.${name}`,
    text,
    rowMode: 'array' as const,
  });
  return {
    append: named(
      'append',
      `SELECT * FROM ${schema}.es_append($1, $2, $3::uuid[], $4::text[], $5::jsonb[], $6::jsonb[])`,
    ),
    appendEach: named(
      'append-each',
      `SELECT outcome, current_revision, event_position, (extract(epoch from recorded_at) * 1000)::float8
       FROM ${schema}.es_append_each($1::text[], $2::text[], $3::uuid[], $4::text[], $5::jsonb[], $6::jsonb[])`,
    ),
    byEventIds: named(
      'by-event-ids',
      `SELECT ${COLUMNS} FROM ${schema}.es_events WHERE stream_id = $1 AND event_id = ANY ($2::uuid[])`,
    ),
    streamForwards: named(
      'stream-forwards',
      `SELECT ${COLUMNS} FROM ${schema}.es_events
       WHERE stream_id = $1 AND revision >= $2 ORDER BY revision LIMIT $3`,
    ),
    streamBackwards: named(
      'stream-backwards',
      `SELECT ${COLUMNS} FROM ${schema}.es_events
       WHERE stream_id = $1 AND revision <= $2 ORDER BY revision DESC LIMIT $3`,
    ),
    allPage: named(
      'all-page',
      `SELECT ${COLUMNS} FROM ${schema}.es_events
       WHERE position > $1 AND position <= $2 ORDER BY position LIMIT $3`,
    ),
    // The inner ordered LIMIT keeps the plan an index scan in position order that stops early,
    // whatever the statistics say (a bitmap scan plus sort would read the whole window per page).
    filteredPage: named(
      'filtered-page',
      `SELECT ${COLUMNS} FROM (
         SELECT * FROM ${schema}.es_events
         WHERE position > $1 AND position <= $2 ORDER BY position LIMIT $6) w
       WHERE ($3::text[] IS NULL OR split_part(stream_id, '-', 1) = ANY ($3::text[]))
         AND ($4::text[] IS NULL OR type ^@ ANY ($4::text[]))
       ORDER BY position LIMIT $5`,
    ),
    head: named('head', `SELECT max(position) FROM ${schema}.es_events WHERE position <= $1`),
    // An append of one event in one statement: no function call and no statement inside one,
    // which is most of the work the stored function adds to a bare INSERT. It takes its
    // stream's lock only if free (pg_try_advisory_xact_lock) and reads the revision from the
    // statement's snapshot, which may predate a commit of that stream just before the lock:
    // then the insert meets that commit's (stream_id, revision) and fails with a unique
    // violation. It writes only when the checks pass and the lock was free; in every other case
    // (no row returned, or a unique violation: a duplicate id, a stale revision) es_append
    // decides, under the lock, on a fresh snapshot. The in-flight marker is taken in the
    // materialized CTE whose row the INSERT's SELECT must read before its target list
    // (nextval) is evaluated. $2 is the kind of expected revision, $3 the exact one.
    appendOne: named(
      'append-one',
      `WITH head AS MATERIALIZED (
         SELECT max(revision) AS revision FROM ${schema}.es_events WHERE stream_id = $1
       ), checked AS MATERIALIZED (
         SELECT h.revision FROM head h
         WHERE pg_try_advisory_xact_lock(${STREAM_LOCK_CLASS}, hashtext('${schema}:' || $1))
           AND CASE $2::text WHEN 'any' THEN true
                 WHEN 'no_stream' THEN h.revision IS NULL
                 WHEN 'stream_exists' THEN h.revision IS NOT NULL
                 ELSE h.revision = $3::bigint END
           AND pg_advisory_xact_lock_shared(${LOCK_CLASS}, ${lockKey(schema)}) IS NOT NULL
       )
       INSERT INTO ${schema}.es_events
         (position, stream_id, revision, event_id, type, data, metadata, recorded_at)
       SELECT nextval('${schema}.es_position_seq'), $1, coalesce(c.revision, -1) + 1,
              $4::uuid, $5::text, $6::jsonb, $7::jsonb, clock_timestamp()
       FROM checked c
       RETURNING revision, position, (extract(epoch from recorded_at) * 1000)::float8`,
    ),
    highWater: named('high-water', `SELECT * FROM ${schema}.es_high_water()`),
    // A wake-up needs no durability: its transaction commits without waiting for the WAL flush.
    notify: named(
      'notify',
      `SELECT set_config('synchronous_commit', 'off', true), pg_notify('${channelOf(schema)}', '')`,
    ),
    stillInFlight: named(
      'still-in-flight',
      `SELECT count(*)::int FROM pg_locks
       WHERE locktype = 'advisory' AND classid = ${LOCK_CLASS} AND objid = ${lockKey(schema)}
         AND objsubid = 2 AND virtualtransaction = ANY ($1::text[])`,
    ),
    othersListening: named(
      'others-listening',
      `SELECT count(*)::int FROM pg_locks
       WHERE locktype = 'advisory' AND classid = ${LISTENER_LOCK_CLASS} AND objid = ${lockKey(schema)}
         AND objsubid = 2 AND granted AND pid <> $1
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    ),
    loadCheckpoint: named(
      'load-checkpoint',
      `SELECT position FROM ${schema}.es_checkpoints WHERE consumer_id = $1`,
    ),
    saveCheckpoint: named(
      'save-checkpoint',
      `INSERT INTO ${schema}.es_checkpoints (consumer_id, position, updated_at)
       VALUES ($1, $2, now())
       ON CONFLICT (consumer_id) DO UPDATE SET position = excluded.position, updated_at = now()`,
    ),
  };
}
