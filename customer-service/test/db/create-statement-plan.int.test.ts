import { randomUUID } from 'node:crypto';
import { until } from '@demo/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE_MANY } from '../../src/db/create-batcher.js';
import { CUSTOMER_SESSION } from '../../src/db/session.js';
import { customerInput } from '../support/api.js';
import { closeApp, startApp } from '../support/app.js';
import { useMigratedDatabase } from '../support/resources.js';

// A fresh system: autovacuum analyzes idempotency_keys empty (or not yet at all), then a load test
// stores 100,000 keys before it looks again. Under those statistics the create statement used to
// read every stored key into a hash per batch; these tests put the table in exactly that state.

const STORED_KEYS = 20_000;
const SCOPE = 'POST /customers anonymous';
const database = useMigratedDatabase();
let session: pg.Client;

/** A create batch of `size` keyed customers, as the batcher sends it (the columns of json_to_recordset). */
function keyedBatch(size: number): string {
  return JSON.stringify(
    Array.from({ length: size }, (_, n) => {
      const id = randomUUID();
      const at = new Date().toISOString();
      return {
        ...customerInput(`plan${n}`),
        id,
        version: 1,
        created_at: at,
        updated_at: at,
        event_id: randomUUID(),
        event_type: 'customer.created',
        event_customer_id: id,
        event_version: 1,
        body: '{}',
        correlation_id: 'create-statement-plan-test',
        schema_version: 1,
        key: `plan-${randomUUID()}`,
        request_hash: 'h',
        response: {},
        scope: SCOPE,
      };
    }),
  );
}

async function planOfPrepared(): Promise<string> {
  // EXPLAIN EXECUTE takes no bind parameters: the batch goes in as a literal.
  const result = await session.query<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE create_many(${session.escapeLiteral(keyedBatch(64))})`);
  return result.rows.map((row) => row['QUERY PLAN']).join('\n');
}

/** The table's counters as the statistics system has them (a session reports its own when it ends, at the latest). */
async function keyTableStats(): Promise<{ seqScans: number; inserted: number }> {
  const result = await database.pool.query<{ seq: string; ins: string }>(
    "SELECT seq_scan AS seq, n_tup_ins AS ins FROM pg_stat_user_tables WHERE relname = 'idempotency_keys'",
  );
  return { seqScans: Number(result.rows[0]!.seq), inserted: Number(result.rows[0]!.ins) };
}

/** Until every insert so far is counted: the sessions that made them have reported their scans too. */
async function statsOfSessionsSoFar(inserted: number) {
  let stats = await keyTableStats();
  await until(
    async () => {
      stats = await keyTableStats();
      return stats.inserted >= inserted;
    },
    15_000,
    `the statistics of ${inserted} inserted keys`,
  );
  return stats;
}

beforeAll(async () => {
  // The keys are stored by a session of their own, ended at once, so that its report (with any
  // scan it made) is in before the service starts.
  const setup = new pg.Client({ connectionString: database.resources.database.url });
  await setup.connect();
  try {
    await setup.query('VACUUM ANALYZE idempotency_keys'); // the statistics say "no keys"
    session = new pg.Client({ connectionString: database.resources.database.url, options: CUSTOMER_SESSION });
    await session.connect();
    // Prepared while the table is empty, and executed often enough for PostgreSQL to consider a
    // generic plan (it does from the sixth execution), as the service's connections are at start.
    await session.query(`PREPARE create_many(json) AS ${CREATE_MANY}`);
    for (let n = 0; n < 8; n++) await planOfPrepared();
    await setup.query(
      `INSERT INTO idempotency_keys (scope, key, request_hash, status, response)
       SELECT $1, 'stored-' || n, 'h', 201, '{}' FROM generate_series(1, $2::int) AS n`,
      [SCOPE, STORED_KEYS],
    );
  } finally {
    await setup.end();
  }
});
afterAll(async () => {
  await session?.end();
});

describe('the create statement under the statistics of an empty idempotency_keys table', () => {
  it('probes the stored keys by index, one row at a time, in a session prepared while the table was empty', async () => {
    const stats = await database.pool.query<{ reltuples: number }>("SELECT reltuples FROM pg_class WHERE relname = 'idempotency_keys'");
    expect(stats.rows[0]!.reltuples).toBe(0); // the planner believes there are no keys

    const plan = await planOfPrepared();
    expect(plan).not.toMatch(/Seq Scan on idempotency_keys|hashed SubPlan/);
    expect(plan).toMatch(/Index (Only )?Scan using idempotency_keys_pkey on idempotency_keys/);
  });

  it('lets the service create keyed customers without one sequential scan of the stored keys', async () => {
    const before = await statsOfSessionsSoFar(STORED_KEYS);
    const app = await startApp(database.resources, { relay: false });
    try {
      const answers = await Promise.all(
        Array.from({ length: 64 }, () =>
          app.http.inject({
            method: 'POST',
            url: '/customers',
            payload: customerInput('scan'),
            headers: { 'idempotency-key': `scan-${randomUUID()}` },
          }),
        ),
      );
      expect(answers.map((answer) => answer.statusCode)).toEqual(answers.map(() => 201));
    } finally {
      await closeApp(app); // ends the pool's sessions, which report their statistics
    }
    const after = await statsOfSessionsSoFar(STORED_KEYS + 64);
    expect(after.seqScans - before.seqScans).toBe(0);
  });
});
