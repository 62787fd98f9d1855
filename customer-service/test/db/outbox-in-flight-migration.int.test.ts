import { createKysely } from '@demo/service-kit';
import { testPool } from '@demo/test-support';
import type { Kysely } from 'kysely';
import { Migrator } from 'kysely/migration';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../src/db/migrations/index.js';
import { outboxQueries } from '../../src/outbox/outbox-queries.js';
import { createTestResources, type TestResources } from '../support/resources.js';

// Migration 0004 moves the publishing ids out of the outbox rows into the relay's one recorded
// batch. Rows that held an id when it ran (sent, not confirmed) must be resent with that same id.
let resources: TestResources;
let pool: pg.Pool;
let db: Kysely<unknown>;
let migrator: Migrator;

beforeAll(async () => {
  resources = await createTestResources();
  pool = testPool(resources.database.url);
  db = createKysely<unknown>(pool);
  migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
});
afterAll(async () => {
  await pool?.end();
  await resources?.drop();
});

async function migrateTo(name: string) {
  const { error } = await migrator.migrateTo(name);
  if (error) throw error;
}

async function hasPublishingIdColumn(): Promise<boolean> {
  const result = await pool.query(
    "SELECT 1 FROM information_schema.columns WHERE table_name = 'outbox' AND column_name = 'publishing_id'",
  );
  return result.rowCount === 1;
}

describe('migration 0004-outbox-in-flight', () => {
  it('turns the rows holding a publishing id into the recorded batch, and back', async () => {
    await migrateTo('0003-outbox-publishing-id-partial');
    const inserted = await pool.query<{ id: string }>(
      `INSERT INTO outbox (event_id, event_type, customer_id, version, body, correlation_id, schema_version)
       SELECT gen_random_uuid(), 'customer.created', gen_random_uuid(), 1, '{"n":' || n || '}', 'migration-test', 1
       FROM generate_series(1, 5) AS n RETURNING id`,
    );
    const ids = inserted.rows.map((row) => row.id);
    // the old relay assigned the second to fourth rows (69, 70, 71) and was stopped before the confirmation
    await pool.query('UPDATE outbox SET publishing_id = 68 + (id - $1::bigint) WHERE id = ANY($2::bigint[])', [
      ids[0],
      ids.slice(1, 4),
    ]);

    await migrateTo('0004-outbox-in-flight');
    expect(await hasPublishingIdColumn()).toBe(false);
    const client = await pool.connect();
    try {
      const resent = await outboxQueries.inFlight(client);
      expect(resent.map((row) => [row.id, row.publishing_id, row.body])).toEqual([
        [ids[1], '69', '{"n":2}'],
        [ids[2], '70', '{"n":3}'],
        [ids[3], '71', '{"n":4}'],
      ]);
      expect(await outboxQueries.lastRecorded(client)).toBe(71n);
    } finally {
      client.release();
    }

    await migrateTo('0003-outbox-publishing-id-partial');
    const back = await pool.query<{ id: string; publishing_id: string | null }>('SELECT id, publishing_id FROM outbox ORDER BY id');
    expect(back.rows).toEqual(ids.map((id, index) => ({ id, publishing_id: index >= 1 && index <= 3 ? String(68 + index) : null })));
  });

  it('records an empty batch when no row held a publishing id', async () => {
    await pool.query('DELETE FROM outbox');
    await migrateTo('0004-outbox-in-flight');
    const recorded = await pool.query('SELECT ids, publishing_ids FROM outbox_in_flight');
    expect(recorded.rows).toEqual([{ ids: [], publishing_ids: [] }]);
  });
});
