import { describe, expect, it } from 'vitest';
import { COUNT_PENDING_SETTINGS, COUNT_PENDING_SQL, countPending } from '../../src/outbox/outbox-queries.js';
import { useMigratedDatabase } from '../support/resources.js';

// The outbox_pending gauge, read every time /metrics is scraped: exact, and through the outbox's
// primary key, never a scan of a table full of the versions the relay left behind.
const database = useMigratedDatabase();

async function exactCount(): Promise<number> {
  return Number((await database.pool.query<{ n: string }>('SELECT count(*) AS n FROM outbox')).rows[0]!.n);
}

describe('the outbox_pending gauge', () => {
  it('counts the rows exactly, as the relay deletes them', async () => {
    const { pool } = database;
    await pool.query(
      `INSERT INTO outbox (event_id, event_type, customer_id, version, body, correlation_id, schema_version)
       SELECT gen_random_uuid(), 'customer.created', gen_random_uuid(), 1, '{}', 'pending-count-test', 1
       FROM generate_series(1, 3000)`,
    );
    expect(await countPending(pool)).toBe(await exactCount());
    // the relay deletes the oldest 1,500 (published and confirmed)
    await pool.query(`DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE correlation_id = 'pending-count-test' ORDER BY id LIMIT 1500)`);
    const pending = await countPending(pool);
    expect(pending).toBe(await exactCount());
    expect(pending).toBeGreaterThanOrEqual(1500);
  });

  it('reads the primary key, not the table', async () => {
    const client = await database.pool.connect();
    try {
      await client.query('BEGIN');
      for (const setting of COUNT_PENDING_SETTINGS) await client.query(setting);
      const plan = (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${COUNT_PENDING_SQL}`)).rows.map((row) => row['QUERY PLAN']).join('\n');
      await client.query('ROLLBACK');
      expect(plan).not.toMatch(/Seq Scan|Bitmap/);
      expect(plan).toMatch(/outbox_pkey/);
    } finally {
      client.release();
    }
  });
});
