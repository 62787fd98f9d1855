import { sql, type Kysely } from 'kysely';
import { REBUILD_CHANNEL } from './channels.js';
import { loadPosition, type ConsumerKey } from './position.js';
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
    await trx
      .selectFrom('consumer_offsets')
      .select('generation')
      .where('consumer_name', '=', all[0]!.consumerName)
      .where('stream', 'in', all.map((key) => key.stream))
      .orderBy('stream')
      .forUpdate()
      .execute();
    await sql`TRUNCATE customers, parked_events`.execute(trx);
    const generations: number[] = [];
    for (const key of all) {
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
      generations.push(row.generation);
    }
    await sql`SELECT pg_notify(${REBUILD_CHANNEL}, ${String(generations[0])})`.execute(trx);
    return generations;
  });
}
