import { until } from '@demo/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IN_FLIGHT_SQL, LAST_RECORDED_SQL, PICK_SQL, RECORD_SQL, RELAY_SESSION, REMOVE_SQL } from '../../src/outbox/outbox-queries.js';
import { closeApp, startApp } from '../support/app.js';
import { useMigratedDatabase } from '../support/resources.js';

// The outbox is a queue: autovacuum mostly analyzes it empty, and then a backlog builds up under
// statistics that say "no rows". These tests put the outbox in exactly that state.

const BACKLOG = 20_000;
const database = useMigratedDatabase();
let relaySession: pg.Client;

beforeAll(async () => {
  const { pool } = database;
  await pool.query('VACUUM ANALYZE outbox');
  await pool.query(
    `INSERT INTO outbox (event_id, event_type, customer_id, version, body, correlation_id, schema_version)
     SELECT gen_random_uuid(), 'customer.created', gen_random_uuid(), 1, '{}', 'stale-statistics-test', 1
     FROM generate_series(1, $1::int)`,
    [BACKLOG],
  );
  relaySession = new pg.Client({ connectionString: database.resources.database.url, options: RELAY_SESSION });
  await relaySession.connect();
});
afterAll(async () => {
  await relaySession?.end();
});

async function planOf(text: string, values: unknown[]): Promise<string> {
  const result = await relaySession.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`, values);
  return result.rows.map((row) => row['QUERY PLAN']).join('\n');
}

async function outboxScans(): Promise<{ seq: number; idx: number }> {
  const result = await database.pool.query<{ seq: string; idx: string }>(
    "SELECT seq_scan AS seq, coalesce(idx_scan, 0) AS idx FROM pg_stat_user_tables WHERE relname = 'outbox'",
  );
  return { seq: Number(result.rows[0]!.seq), idx: Number(result.rows[0]!.idx) };
}

describe('relay statements under the statistics of an empty outbox', () => {
  it('plan every statement on an index, never a sequential scan of the backlog', async () => {
    const stats = await database.pool.query<{ reltuples: number }>("SELECT reltuples FROM pg_class WHERE relname = 'outbox'");
    expect(stats.rows[0]!.reltuples).toBe(0); // the planner believes the outbox is empty

    const ids = (await database.pool.query<{ id: string }>('SELECT id FROM outbox ORDER BY id LIMIT 1000')).rows.map((row) => row.id);
    const plans = {
      pick: await planOf(PICK_SQL, [1000]),
      record: await planOf(RECORD_SQL, [ids, ids]),
      resend: await planOf(IN_FLIGHT_SQL, []),
      resume: await planOf(LAST_RECORDED_SQL, []),
      remove: await planOf(REMOVE_SQL, [ids]),
    };
    for (const [statement, plan] of Object.entries(plans)) {
      expect({ statement, plan }).not.toMatchObject({ plan: expect.stringMatching(/Seq Scan|Join Filter/) });
      expect({ statement, plan }).toMatchObject({ plan: expect.stringMatching(/Index/) });
    }
  });

  it('lets the relay drain the backlog without one sequential scan of the outbox', async () => {
    const before = await outboxScans();
    const app = await startApp(database.resources);
    try {
      const pending = async () => Number((await relaySession.query('SELECT count(*) AS n FROM outbox')).rows[0].n);
      await until(async () => (await pending()) === 0, 60_000, `the relay to publish ${BACKLOG} rows`);
    } finally {
      await closeApp(app); // ends the relay's session, which reports its table statistics
    }
    let after = before;
    await until(
      async () => {
        after = await outboxScans();
        return after.idx > before.idx;
      },
      10_000,
      'the relay session statistics',
    );
    expect(after.seq - before.seq).toBe(0);
  });
});
