import { sql, type Kysely } from 'kysely';
import type { ReplicaRow } from '../domain/replica-fold.js';
import { upsertReplicaRowsSql } from './replica.js';
import type { Database } from './schema.js';

export const REBUILD_CHANNEL = 'replica_rebuild';
export const APPLIED_CHANNEL = 'replica_applied';

/** Which consumer, on which stream: the key of its stored position. */
export interface ConsumerKey {
  consumerName: string;
  stream: string;
}

export interface StoredPosition {
  /** Offset of the last applied message; null when nothing is applied (start, or after a rebuild). */
  lastOffset: bigint | null;
  generation: number;
}

/** Reads the stored position, creating it (nothing applied, generation 1) when missing. */
export async function loadPosition(db: Kysely<Database>, key: ConsumerKey): Promise<StoredPosition> {
  await db
    .insertInto('consumer_offsets')
    .values({ consumer_name: key.consumerName, stream: key.stream, last_offset: null })
    .onConflict((oc) => oc.columns(['consumer_name', 'stream']).doNothing())
    .execute();
  const row = await db
    .selectFrom('consumer_offsets')
    .select(['last_offset', 'generation'])
    .where('consumer_name', '=', key.consumerName)
    .where('stream', '=', key.stream)
    .executeTakeFirstOrThrow();
  return { lastOffset: row.last_offset === null ? null : BigInt(row.last_offset), generation: row.generation };
}

/**
 * The fence: moves the stored offset from `expected` to `last` only if nobody else moved it and
 * no rebuild happened since this instance read it, and upserts the batch's replica rows in the
 * same statement (one round trip, atomic without an explicit transaction). The UPDATE locks the
 * offsets row until the statement's transaction ends, so two instances that both believe they
 * are active apply one after the other, and the second one finds its expectation broken: then
 * nothing is written and the result is false. At commit it also queues the NOTIFY that wakes
 * read-your-writes waiters and standbys.
 */
export async function advancePosition(
  executor: Kysely<Database>,
  key: ConsumerKey,
  expected: StoredPosition,
  last: bigint,
  rows: readonly ReplicaRow[],
): Promise<boolean> {
  const expectedOffset = expected.lastOffset === null ? null : expected.lastOffset.toString();
  const result = await sql<{ advanced: boolean }>`
    WITH fence AS (
      UPDATE consumer_offsets
      SET last_offset = ${last.toString()}::bigint, updated_at = now()
      WHERE consumer_name = ${key.consumerName} AND stream = ${key.stream}
        AND generation = ${expected.generation}
        AND last_offset IS NOT DISTINCT FROM ${expectedOffset}::bigint
      RETURNING pg_notify(${APPLIED_CHANNEL}, ${last.toString()})
    ), upserted AS (
      ${rows.length > 0 ? upsertReplicaRowsSql(rows, sql`EXISTS (SELECT 1 FROM fence)`) : sql`SELECT 1 WHERE false`}
    )
    SELECT EXISTS (SELECT 1 FROM fence) AS advanced
  `.execute(executor);
  return result.rows[0]?.advanced === true;
}

/**
 * Empties the replica and the parked events and resets the stored offset, in one transaction
 * that holds the offsets row (an applier's batch in flight waits, then finds itself fenced by the
 * new generation). Every instance is then told through NOTIFY; the active one replays the stream
 * from its first retained offset. Returns the new generation.
 */
export async function rebuildReplica(db: Kysely<Database>, key: ConsumerKey): Promise<number> {
  await loadPosition(db, key);
  return db.transaction().execute(async (trx) => {
    await trx
      .selectFrom('consumer_offsets')
      .select('generation')
      .where('consumer_name', '=', key.consumerName)
      .where('stream', '=', key.stream)
      .forUpdate()
      .executeTakeFirstOrThrow();
    await sql`TRUNCATE customers, parked_events`.execute(trx);
    const row = await trx
      .updateTable('consumer_offsets')
      .set({ last_offset: null, generation: sql`generation + 1`, updated_at: sql`now()` })
      .where('consumer_name', '=', key.consumerName)
      .where('stream', '=', key.stream)
      .returning('generation')
      .executeTakeFirstOrThrow();
    await sql`SELECT pg_notify(${REBUILD_CHANNEL}, ${String(row.generation)})`.execute(trx);
    return row.generation;
  });
}
