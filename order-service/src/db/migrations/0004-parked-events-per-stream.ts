import { sql, type Kysely } from 'kysely';

/**
 * The partitions of a super stream each number their offsets from 0: a poison event is identified
 * by its stream and its offset. Events parked before this migration belong to the one stream there
 * was ('' names it).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('parked_events').addColumn('stream', 'text', (col) => col.notNull().defaultTo('')).execute();
  await sql`ALTER TABLE parked_events DROP CONSTRAINT parked_events_pkey`.execute(db);
  await sql`ALTER TABLE parked_events ADD PRIMARY KEY (stream, stream_offset)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE parked_events DROP CONSTRAINT parked_events_pkey`.execute(db);
  await sql`ALTER TABLE parked_events ADD PRIMARY KEY (stream_offset)`.execute(db);
  await db.schema.alterTable('parked_events').dropColumn('stream').execute();
}
