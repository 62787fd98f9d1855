import { sql, type Kysely } from 'kysely';
import type { ReplicaRow } from '../domain/replica-fold.js';
import { REBUILD_CHANNEL } from './channels.js';
import { loadPosition, lockPositions, restartPositions, type ConsumerKey } from './position.js';
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
export async function tryBootstrapLock(db: Kysely<Database>, group: string): Promise<boolean> {
  const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_lock(hashtext(${`bootstrap ${group}`})) AS locked`.execute(db);
  return rows[0]?.locked === true;
}

export async function releaseBootstrapLock(db: Kysely<Database>, group: string): Promise<void> {
  await sql`SELECT pg_advisory_unlock(hashtext(${`bootstrap ${group}`}))`.execute(db);
}

/**
 * Empties the replica (parked events stay: they are about stream offsets) and marks the bootstrap
 * begun on every stream it feeds from (the partitions of a super stream share the replica);
 * returns the generation of each, in the order of `keys`.
 */
export async function beginBootstrap(db: Kysely<Database>, keys: readonly ConsumerKey[]): Promise<number[]> {
  for (const key of keys) await loadPosition(db, key);
  return db.transaction().execute(async (trx) => {
    const rows = await lockPositions(trx, keys);
    if (rows.length !== keys.length) throw new Error('a stored position vanished');
    await sql`TRUNCATE customers`.execute(trx);
    return restartPositions(trx, keys, true);
  });
}

/**
 * Loads rows of the snapshot (the version guard keeps the newest); false when the bootstrap was
 * superseded (a rebuild or another bootstrap moved the first stream's generation on).
 */
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
 * Ends the bootstrap: the replica now holds everything before each stream's `resumeFrom` (read
 * before the snapshot was taken), so the consumers resume there. False when superseded.
 */
export async function finishBootstrap(
  db: Kysely<Database>,
  positions: ReadonlyArray<{ key: ConsumerKey; generation: number; resumeFrom: bigint }>,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    for (const { key, generation, resumeFrom } of positions) {
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
      // Superseded: nothing of this transaction is kept.
      if (Number(done.numUpdatedRows) !== 1) throw new Superseded();
    }
    await sql`SELECT pg_notify(${REBUILD_CHANNEL}, ${String(positions[0]?.generation ?? 0)})`.execute(trx);
    return true;
  }).catch((error: unknown) => {
    if (error instanceof Superseded) return false;
    throw error;
  });
}

class Superseded extends Error {}
