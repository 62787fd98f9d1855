import { sql, type Kysely } from 'kysely';

/**
 * What operators do with parked events (retry, discard), kept for audit:
 * - parked_events.id: a parked event's own identity. A rebuild empties parked_events and the
 *   replay parks the same offsets again: audit rows keep pointing at the event they acted on.
 * - parked_events.resolution, resolved_at, resolved_by: set when an event leaves the active list
 *   (retried and applied, or discarded); an event whose retry failed stays active.
 * - parked_event_actions: every retry and discard, with who, when, and what came of it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('parked_events')
    .addColumn('id', 'bigint', (col) => col.generatedAlwaysAsIdentity().unique())
    .addColumn('resolution', 'text', (col) => col.check(sql`resolution IN ('retried', 'discarded')`))
    .addColumn('resolved_at', 'timestamptz')
    .addColumn('resolved_by', 'text')
    .execute();
  await sql`
    ALTER TABLE parked_events ADD CONSTRAINT parked_events_resolved_together
      CHECK ((resolution IS NULL) = (resolved_at IS NULL) AND (resolution IS NULL) = (resolved_by IS NULL))
  `.execute(db);
  await db.schema.createIndex('parked_events_active_idx').on('parked_events').column('stream_offset').where(sql.ref('resolved_at'), 'is', null).execute();

  await db.schema
    .createTable('parked_event_actions')
    .addColumn('id', 'bigint', (col) => col.generatedAlwaysAsIdentity().primaryKey())
    .addColumn('parked_id', 'bigint', (col) => col.notNull())
    .addColumn('stream_offset', 'bigint', (col) => col.notNull())
    .addColumn('action', 'text', (col) => col.notNull().check(sql`action IN ('retry', 'discard')`))
    .addColumn('result', 'text', (col) => col.notNull().check(sql`result IN ('applied', 'superseded', 'failed', 'discarded')`))
    .addColumn('operator', 'text', (col) => col.notNull())
    .addColumn('reason', 'text')
    .addColumn('detail', 'text')
    .addColumn('acted_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('parked_event_actions_parked_id_idx').on('parked_event_actions').columns(['parked_id', 'id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('parked_event_actions').ifExists().execute();
  await db.schema.dropIndex('parked_events_active_idx').ifExists().execute();
  await sql`ALTER TABLE parked_events DROP CONSTRAINT IF EXISTS parked_events_resolved_together`.execute(db);
  await db.schema.alterTable('parked_events').dropColumn('resolved_by').dropColumn('resolved_at').dropColumn('resolution').dropColumn('id').execute();
}
