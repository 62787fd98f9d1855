import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** A consumer's stored position as an operator sees it. */
export interface ConsumerPositionRow {
  consumerName: string;
  lastOffset: bigint | null;
  generation: number;
  lastFingerprint: string | null;
  bootstrapping: boolean;
  updatedAt: Date;
}

/**
 * Every consumer's stored position on `stream`, by name. Reads only (unlike loadPosition, which
 * creates a missing row): an order database the service never migrated has none.
 */
export async function readConsumerPositions(db: Kysely<Database>, stream: string): Promise<ConsumerPositionRow[]> {
  try {
    const rows = await db
      .selectFrom('consumer_offsets')
      .select(['consumer_name', 'last_offset', 'generation', 'last_fingerprint', 'bootstrapping', 'updated_at'])
      .where('stream', '=', stream)
      .orderBy('consumer_name')
      .execute();
    return rows.map((row) => ({
      consumerName: row.consumer_name,
      lastOffset: row.last_offset === null ? null : BigInt(row.last_offset),
      generation: row.generation,
      lastFingerprint: row.last_fingerprint,
      bootstrapping: row.bootstrapping,
      updatedAt: row.updated_at,
    }));
  } catch (error) {
    if ((error as { code?: string }).code === '42P01') return []; // undefined_table: never migrated
    throw error;
  }
}
