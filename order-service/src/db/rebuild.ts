import { sql, type Kysely } from 'kysely';
import { REBUILD_CHANNEL } from './channels.js';
import { loadPosition, type ConsumerKey } from './position.js';
import type { Database } from './schema.js';

/**
 * Empties the replica and the parked events and resets the stored offset, in one transaction
 * that holds the offsets row (an applier's batch in flight waits, then finds itself fenced by the
 * new generation). Every instance is then told through NOTIFY; the active one replays the stream
 * from its first retained offset, or, `fromSnapshot`, an instance loads customer-service's
 * snapshot first (see consumer/bootstrap.ts). Returns the new generation.
 */
export async function rebuildReplica(db: Kysely<Database>, key: ConsumerKey, options: { fromSnapshot?: boolean } = {}): Promise<number> {
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
      .set({
        last_offset: null,
        last_fingerprint: null,
        bootstrapped_from: null,
        bootstrapping: options.fromSnapshot ?? false,
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
