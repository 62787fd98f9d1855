import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * The relay records the publishing ids of the batch it is about to send in one row of its own
 * (`outbox_in_flight`), instead of writing them into every outbox row. Writing them into the rows
 * made PostgreSQL write a new version of each whole row (body included) and three more index
 * entries: 12.5% of the WAL a create caused, in a database that waits mostly for WAL flushes. The
 * outbox rows are now only inserted and deleted, and need no partial index to tell the assigned
 * from the waiting ones: the relay takes the oldest rows through the primary key. Rows that held
 * a publishing id at the migration (sent, not confirmed) become the recorded batch, so they are
 * resent with the same ids and the broker drops the duplicates.
 */
export const outboxInFlight: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`CREATE TABLE outbox_in_flight (
      singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
      ids bigint[] NOT NULL,
      publishing_ids bigint[] NOT NULL,
      CHECK (cardinality(ids) = cardinality(publishing_ids))
    )`.execute(db);
    await sql`INSERT INTO outbox_in_flight (ids, publishing_ids)
      SELECT coalesce(array_agg(id ORDER BY publishing_id), '{}'), coalesce(array_agg(publishing_id ORDER BY publishing_id), '{}')
      FROM outbox WHERE publishing_id IS NOT NULL`.execute(db);
    await sql`DROP INDEX outbox_unassigned`.execute(db);
    await sql`DROP INDEX outbox_publishing_id`.execute(db);
    await sql`ALTER TABLE outbox DROP COLUMN publishing_id`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    await sql`ALTER TABLE outbox ADD COLUMN publishing_id bigint`.execute(db);
    await sql`UPDATE outbox SET publishing_id = sent.publishing_id
      FROM outbox_in_flight, unnest(outbox_in_flight.ids, outbox_in_flight.publishing_ids) AS sent(id, publishing_id)
      WHERE outbox.id = sent.id`.execute(db);
    await sql`CREATE UNIQUE INDEX outbox_publishing_id ON outbox (publishing_id) WHERE publishing_id IS NOT NULL`.execute(db);
    await sql`CREATE INDEX outbox_unassigned ON outbox (id) WHERE publishing_id IS NULL`.execute(db);
    await sql`DROP TABLE outbox_in_flight`.execute(db);
  },
};
