import { sql, type Kysely } from 'kysely';
import type { ReplicaRow } from '../domain/replica-fold.js';
import { REBUILD_CHANNEL } from './channels.js';
import { loadPosition, type ConsumerKey } from './position.js';
import { upsertReplicaRows } from './replica-rows.js';
import type { Database } from './schema.js';

/**
 * The replica's side of a snapshot bootstrap (consumer/bootstrap.ts tells the protocol):
 * begin (empty the replica, new generation, `bootstrapping`: the applier's fence refuses every
 * batch meanwhile), load the snapshot's rows, finish (stored offset just before the stream offset
 * the snapshot covers, `bootstrapping` off). Every step checks the generation it began: a rebuild
 * or another bootstrap meanwhile makes it fail rather than mix two replicas.
 */

/** Only one instance bootstraps a replica at a time: this session-level advisory lock says who. */
export async function tryBootstrapLock(db: Kysely<Database>, key: ConsumerKey): Promise<boolean> {
  const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_lock(hashtext(${`bootstrap ${key.consumerName} ${key.stream}`})) AS locked`.execute(db);
  return rows[0]?.locked === true;
}

export async function releaseBootstrapLock(db: Kysely<Database>, key: ConsumerKey): Promise<void> {
  await sql`SELECT pg_advisory_unlock(hashtext(${`bootstrap ${key.consumerName} ${key.stream}`}))`.execute(db);
}

/** Empties the replica (parked events stay: they are about stream offsets) and marks the bootstrap begun; returns its generation. */
export async function beginBootstrap(db: Kysely<Database>, key: ConsumerKey): Promise<number> {
  await loadPosition(db, key);
  return db.transaction().execute(async (trx) => {
    await trx
      .selectFrom('consumer_offsets')
      .select('generation')
      .where('consumer_name', '=', key.consumerName)
      .where('stream', '=', key.stream)
      .forUpdate()
      .executeTakeFirstOrThrow();
    await sql`TRUNCATE customers`.execute(trx);
    const row = await trx
      .updateTable('consumer_offsets')
      .set({
        last_offset: null,
        last_fingerprint: null,
        bootstrapping: true,
        generation: sql`generation + 1`,
        updated_at: sql`now()`,
      })
      .where('consumer_name', '=', key.consumerName)
      .where('stream', '=', key.stream)
      .returning('generation')
      .executeTakeFirstOrThrow();
    await sql`SELECT pg_notify(${REBUILD_CHANNEL}, ${String(row.generation)})`.execute(trx);
    return row.generation;
  });
}

/** Loads rows of the snapshot (the version guard keeps the newest); false when the bootstrap was superseded. */
export async function loadSnapshotRows(db: Kysely<Database>, key: ConsumerKey, generation: number, rows: readonly ReplicaRow[]): Promise<boolean> {
  const result = await sql<{ ours: boolean }>`
    WITH ours AS (
      SELECT 1 FROM consumer_offsets
      WHERE consumer_name = ${key.consumerName} AND stream = ${key.stream} AND generation = ${generation} AND bootstrapping
      FOR SHARE
    ), loaded AS (
      ${upsertReplicaRows(rows, sql`EXISTS (SELECT 1 FROM ours)`)}
    )
    SELECT EXISTS (SELECT 1 FROM ours) AS ours
  `.execute(db);
  return result.rows[0]?.ours === true;
}

/**
 * Ends the bootstrap: the replica now holds everything before `resumeFrom` (the stream offset read
 * before the snapshot was taken), so the consumer resumes there. False when superseded.
 */
export async function finishBootstrap(db: Kysely<Database>, key: ConsumerKey, generation: number, resumeFrom: bigint): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const done = await trx
      .updateTable('consumer_offsets')
      .set({
        last_offset: resumeFrom > 0n ? (resumeFrom - 1n).toString() : null,
        last_fingerprint: null,
        bootstrapping: false,
        bootstrapped_from: resumeFrom.toString(),
        updated_at: sql`now()`,
      })
      .where('consumer_name', '=', key.consumerName)
      .where('stream', '=', key.stream)
      .where('generation', '=', generation)
      .where('bootstrapping', '=', true)
      .executeTakeFirst();
    if (Number(done.numUpdatedRows) !== 1) return false;
    await sql`SELECT pg_notify(${REBUILD_CHANNEL}, ${String(generation)})`.execute(trx);
    return true;
  });
}
