import { sql, type Kysely, type Transaction } from 'kysely';
import { REBUILD_CHANNEL } from './channels.js';
import type { Database } from './schema.js';

/** Which consumer, on which stream: the key of its stored position. */
export interface ConsumerKey {
  consumerName: string;
  stream: string;
}

export interface StoredPosition {
  /** Offset of the last applied message; null when nothing is applied (start, or after a rebuild). */
  lastOffset: bigint | null;
  generation: number;
  /** Digest of the message at lastOffset (null when unknown: nothing applied, or a snapshot bootstrap). */
  lastFingerprint: string | null;
  /** A snapshot bootstrap is under way (or was cut short by a crash). */
  bootstrapping: boolean;
  /** The stream offset the last snapshot bootstrap resumed from (null when never bootstrapped). */
  bootstrappedFrom: bigint | null;
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
    .select(['last_offset', 'generation', 'last_fingerprint', 'bootstrapping', 'bootstrapped_from'])
    .where('consumer_name', '=', key.consumerName)
    .where('stream', '=', key.stream)
    .executeTakeFirstOrThrow();
  return {
    lastOffset: row.last_offset === null ? null : BigInt(row.last_offset),
    generation: row.generation,
    lastFingerprint: row.last_fingerprint,
    bootstrapping: row.bootstrapping,
    bootstrappedFrom: row.bootstrapped_from === null ? null : BigInt(row.bootstrapped_from),
  };
}

/** Locks the stored positions of `keys` until the transaction ends (in stream order: two lockers take turns). */
export function lockPositions(trx: Transaction<Database>, keys: readonly ConsumerKey[]) {
  return trx
    .selectFrom('consumer_offsets')
    .select(['stream', 'generation'])
    .where('consumer_name', '=', keys[0]!.consumerName)
    .where('stream', 'in', keys.map((key) => key.stream))
    .orderBy('stream')
    .forUpdate()
    .execute();
}

/**
 * In the caller's transaction, which holds the rows (lockPositions): forgets the stored offset of
 * each stream of `keys` and moves it to a new generation, which fences off any batch in flight;
 * `bootstrapping` marks a snapshot bootstrap begun. Every instance is told through NOTIFY. Returns
 * the new generations, in the order of `keys`.
 */
export async function restartPositions(trx: Transaction<Database>, keys: readonly ConsumerKey[], bootstrapping: boolean): Promise<number[]> {
  const generations: number[] = [];
  for (const key of keys) {
    const row = await trx
      .updateTable('consumer_offsets')
      .set({ last_offset: null, last_fingerprint: null, bootstrapped_from: null, bootstrapping, generation: sql`generation + 1`, updated_at: sql`now()` })
      .where('consumer_name', '=', key.consumerName)
      .where('stream', '=', key.stream)
      .returning('generation')
      .executeTakeFirstOrThrow();
    generations.push(row.generation);
  }
  await sql`SELECT pg_notify(${REBUILD_CHANNEL}, ${String(generations[0])})`.execute(trx);
  return generations;
}
