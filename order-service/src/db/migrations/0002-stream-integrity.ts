import type { Kysely } from 'kysely';

/**
 * What it takes to notice that the stream no longer holds what the replica needs:
 * - last_fingerprint: a digest of the message at last_offset, so that a stream deleted and
 *   declared again (its offsets start over) is told from the one the replica was built from;
 * - bootstrapping: true while a snapshot is being loaded (a replica left in that state by a crash
 *   is not trusted: it is emptied and loaded again);
 * - bootstrapped_from: the stream offset the last snapshot bootstrap resumed from.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('consumer_offsets')
    .addColumn('last_fingerprint', 'text')
    .addColumn('bootstrapping', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('bootstrapped_from', 'bigint')
    .execute();
}
