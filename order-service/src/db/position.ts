import type { Kysely } from 'kysely';
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
