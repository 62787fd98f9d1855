import { sql, type Kysely } from 'kysely';
import { loadPosition, lockPositions, restartPositions, type ConsumerKey } from './position.js';
import type { Database } from './schema.js';

/**
 * Empties the replica and the parked events and resets the stored offset of every stream that
 * feeds it (the stream, or each partition of a super stream), in one transaction that holds the
 * offsets rows (an applier's batch in flight waits, then finds itself fenced by the new
 * generation). Every instance is then told through NOTIFY; the active consumers replay from the
 * first retained offsets, or, `fromSnapshot`, an instance loads customer-service's snapshot first
 * (see consumer/bootstrap.ts). Returns the new generation of each stream, in the order of `keys`.
 */
export async function rebuildReplica(
  db: Kysely<Database>,
  keys: ConsumerKey | readonly ConsumerKey[],
  options: { fromSnapshot?: boolean } = {},
): Promise<number[]> {
  const all = Array.isArray(keys) ? (keys as readonly ConsumerKey[]) : [keys as ConsumerKey];
  for (const key of all) await loadPosition(db, key);
  return db.transaction().execute(async (trx) => {
    await lockPositions(trx, all);
    await sql`TRUNCATE customers, parked_events`.execute(trx);
    return restartPositions(trx, all, options.fromSnapshot ?? false);
  });
}
