import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { customerRepository, customersByIds } from '../../src/db/customers.js';
import { useMigratedDatabase } from '../support/resources.js';

// A fresh system: autovacuum analyzed customers empty (or not yet at all) when the load test's
// updates begin on 100,000 of them. Under those statistics the batch read of the update path used
// to scan the whole partial index customers_email_live per batch; these tests put the table in
// exactly that state.

const CUSTOMERS = 20_000;
const database = useMigratedDatabase();

beforeAll(async () => {
  const setup = new pg.Client({ connectionString: database.resources.database.url });
  await setup.connect();
  try {
    await setup.query('VACUUM ANALYZE customers'); // the statistics say "no customers"
    await setup.query(
      `INSERT INTO customers (id, name, email, address, version, created_at, updated_at)
       SELECT gen_random_uuid(), 'Plan ' || n, 'plan-' || n || '@example.com', 'Street ' || n, 1, now(), now()
       FROM generate_series(1, $1::int) AS n`,
      [CUSTOMERS],
    );
  } finally {
    await setup.end();
  }
});

describe('the update path batch read under the statistics of an empty customers table', () => {
  it('reads the batch by primary key, never through the whole partial email index', async () => {
    const stats = await database.pool.query<{ reltuples: number }>("SELECT reltuples FROM pg_class WHERE relname = 'customers'");
    expect(stats.rows[0]!.reltuples).toBe(0); // the planner believes there are no customers

    const ids = (await database.pool.query<{ id: string }>('SELECT id::text FROM customers ORDER BY random() LIMIT 30')).rows.map((row) => row.id);
    const { sql, parameters } = customersByIds(database.db, ids).compile();
    const plan = (await database.pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, [...parameters])).rows.map((row) => row['QUERY PLAN']).join('\n');
    expect(plan).not.toContain('customers_email_live');
    expect(plan).toContain('customers_pkey');
  });

  it('gives the live customers among the ids: not a deleted one, not an unknown one', async () => {
    const [live, deleted] = (await database.pool.query<{ id: string }>('SELECT id::text FROM customers ORDER BY id LIMIT 2')).rows.map((row) => row.id);
    await database.pool.query('UPDATE customers SET deleted_at = now(), version = version + 1 WHERE id = $1', [deleted]);
    const found = await customerRepository(database.db, database.pool).findLive([live!, deleted!, randomUUID()]);
    expect(found.map((customer) => customer.id)).toEqual([live]);
  });
});
