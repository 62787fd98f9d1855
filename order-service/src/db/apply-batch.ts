import { sql, type Kysely } from 'kysely';
import type { ReplicaRow } from '../domain/replica-fold.js';
import { APPLIED_CHANNEL } from './channels.js';
import { insertParkedEvents, type ParkedEvent } from './parked-events.js';
import { upsertReplicaRows } from './replica-rows.js';
import type { ConsumerKey, StoredPosition } from './position.js';
import type { Database } from './schema.js';

/** One batch of the stream, ready to write: its last offset, its folded rows, its poison events. */
export interface BatchWrite {
  last: bigint;
  /** Digest of the message at `last`, stored with it (see 0002-stream-integrity). */
  fingerprint: string;
  rows: readonly ReplicaRow[];
  parked: readonly ParkedEvent[];
}

/**
 * Writes a batch fenced by `expected` (see advancePosition); its poison events are parked in the
 * same transaction. False when fenced: then nothing is written.
 */
export async function applyBatch(db: Kysely<Database>, key: ConsumerKey, expected: StoredPosition, batch: BatchWrite): Promise<boolean> {
  if (batch.parked.length === 0) return advancePosition(db, key, expected, batch.last, batch.rows, batch.fingerprint);
  return db.transaction().execute(async (trx) => {
    const advanced = await advancePosition(trx, key, expected, batch.last, batch.rows, batch.fingerprint);
    if (advanced) await insertParkedEvents(trx, key.stream, batch.parked);
    return advanced;
  });
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
  expected: Pick<StoredPosition, 'lastOffset' | 'generation'>,
  last: bigint,
  rows: readonly ReplicaRow[],
  fingerprint: string | null = null,
): Promise<boolean> {
  const expectedOffset = expected.lastOffset === null ? null : expected.lastOffset.toString();
  const result = await sql<{ advanced: boolean }>`
    WITH fence AS (
      UPDATE consumer_offsets
      SET last_offset = ${last.toString()}::bigint, last_fingerprint = ${fingerprint}, updated_at = now()
      WHERE consumer_name = ${key.consumerName} AND stream = ${key.stream}
        AND generation = ${expected.generation} AND NOT bootstrapping
        AND last_offset IS NOT DISTINCT FROM ${expectedOffset}::bigint
      RETURNING pg_notify(${APPLIED_CHANNEL}, ${`${key.stream} ${last}`})
    ), upserted AS (
      ${rows.length > 0 ? upsertReplicaRows(rows, sql`EXISTS (SELECT 1 FROM fence)`) : sql`SELECT 1 WHERE false`}
    )
    SELECT EXISTS (SELECT 1 FROM fence) AS advanced
  `.execute(executor);
  return result.rows[0]?.advanced === true;
}

/**
 * The batch upsert on its own, without the fence and without moving the stored offset: for an
 * operator's retry of a parked event. Same version guard: returns how many rows changed (0 when
 * the replica already holds these versions or newer ones).
 */
export async function upsertReplica(executor: Kysely<Database>, rows: readonly ReplicaRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const result = await upsertReplicaRows(rows, sql`true`).execute(executor);
  return Number(result.numAffectedRows ?? 0n);
}
