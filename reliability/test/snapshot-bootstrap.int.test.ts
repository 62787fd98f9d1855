import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { createStreamConnection, ensureStream, streamBounds } from '@demo/stream';
import {
  broker,
  createTestDatabase,
  deleteStream,
  freePort,
  REPO_ROOT,
  ServiceProcess,
  suffix,
  until,
  type TestDatabase,
} from '@demo/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The stream keeps about 500 KB: after a few thousand customers its first segments are gone, and
// only a snapshot of customer_db can give a replica the customers whose events were dropped.
// Writes keep arriving while the snapshot is taken and loaded; the replica must end equal to
// customer_db field by field.

const stream = `test-bootstrap-${suffix()}`;
let customerDb: TestDatabase;
const orderDbs: TestDatabase[] = [];
const processes: ServiceProcess[] = [];
let customer: ServiceProcess;

async function launch(kind: 'customer-service' | 'order-service', name: string, env: Record<string, string>): Promise<ServiceProcess> {
  const service = new ServiceProcess(kind, name, await freePort(), { STREAM_NAME: stream, OUTBOX_POLL_MS: '50', ...env }).start();
  processes.push(service);
  return service;
}

async function orderInstance(name: string, database: TestDatabase): Promise<ServiceProcess> {
  return launch('order-service', name, { DATABASE_URL: database.url, CUSTOMER_SNAPSHOT_URL: `${customer.url}/internal/snapshot` });
}

async function createCustomers(count: number, concurrency = 32): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += concurrency) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(concurrency, count - i) }, async () => {
        const tag = suffix();
        const response = await fetch(`${customer.url}/customers`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          // Long names and addresses (close to the 200-character limit): fewer writes fill the stream.
          body: JSON.stringify({ name: `${'Bootstrap '.repeat(18)}${tag}`, email: `bootstrap-${tag}-${suffix()}@example.com`, address: `${'Long street name '.repeat(10)}${tag}` }),
        });
        if (response.status !== 201) throw new Error(`create answered ${response.status}`);
        return ((await response.json()) as { customer_id: string }).customer_id;
      }),
    );
    ids.push(...batch);
  }
  return ids;
}

/** Creates and updates customers every 10 ms until stopped (bounded): writes during the snapshot. */
function keepWriting(ids: string[]) {
  let stopped = false;
  let writes = 0;
  const loop = (async () => {
    for (let i = 0; !stopped && i < 3_000; i++) {
      if (i % 2 === 0) ids.push(...(await createCustomers(1, 1)));
      else {
        const id = ids[Math.floor(Math.random() * ids.length)]!;
        const response = await fetch(`${customer.url}/customers/${id}/address`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ address: `Moved ${i}` }),
        });
        if (response.status !== 200 && response.status !== 404) throw new Error(`update answered ${response.status}`);
      }
      writes++;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  return {
    get writes() {
      return writes;
    },
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

async function rows(url: string, query: string): Promise<Map<string, string>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return new Map((await client.query<{ id: string; state: string }>(query)).rows.map((row) => [row.id, row.state]));
  } finally {
    await client.end();
  }
}

const SOURCE = `SELECT id::text, address || '|' || version || '|' || (deleted_at IS NOT NULL) AS state FROM customers`;
const REPLICA = `SELECT id::text, address || '|' || version || '|' || deleted AS state FROM customers`;

/** Waits until the outbox is drained and the replica equals customer_db field by field. */
async function expectReplicaEqual(orderDb: TestDatabase, timeoutMs = 60_000): Promise<number> {
  await until(async () => (await rows(customerDb.url, 'SELECT id::text, \'\' AS state FROM outbox')).size === 0, timeoutMs, 'outbox drained');
  const source = await rows(customerDb.url, SOURCE);
  let replica = new Map<string, string>();
  try {
    await until(
      async () => {
        replica = await rows(orderDb.url, REPLICA);
        return replica.size === source.size && [...source].every(([id, state]) => replica.get(id) === state);
      },
      timeoutMs,
      'replica equal to customer_db',
    );
  } catch (error) {
    const differing = [...source].filter(([id, state]) => replica.get(id) !== state).slice(0, 3);
    throw new Error(`${(error as Error).message}: ${source.size} customers, replica ${replica.size}, e.g. ${JSON.stringify(differing)}\n${processes.map((p) => p.tail(8)).join('\n')}`);
  }
  return source.size;
}

beforeAll(async () => {
  // The stream first, small: customer-service then uses it as it is.
  const connection = createStreamConnection({ ...broker, connectionName: 'test bootstrap', connectTimeoutMs: 3_000 });
  connection.onReady((client) => ensureStream(client, stream, { 'max-length-bytes': 500_000, 'stream-max-segment-size-bytes': 100_000 }));
  connection.start();
  await connection.ready();
  await connection.close();
  customerDb = await createTestDatabase('bootstrap_customer');
  customer = await launch('customer-service', 'customer', { DATABASE_URL: customerDb.url });
  await customer.ready();
}, 60_000);

afterAll(async () => {
  await Promise.all(processes.map((service) => service.stop()));
  await customerDb?.drop();
  for (const db of orderDbs) await db.drop();
  await deleteStream(stream);
}, 60_000);

async function orderDatabase(): Promise<TestDatabase> {
  const db = await createTestDatabase('bootstrap_order');
  orderDbs.push(db);
  return db;
}

async function firstRetained(): Promise<bigint> {
  const connection = createStreamConnection({ ...broker, connectionName: 'test bounds', connectTimeoutMs: 3_000 });
  connection.start();
  try {
    return (await streamBounds(await connection.ready(), stream)).firstRetained;
  } finally {
    await connection.close();
  }
}

describe('a replica whose stream lost its history', () => {
  const ids: string[] = [];

  it('a fresh, empty replica joining a truncated stream bootstraps from the snapshot by itself, writes going on meanwhile', async () => {
    // Given a stream whose first segments retention removed
    const first = await orderInstance('order-early', await orderDatabase());
    await first.ready();
    ids.push(...(await createCustomers(200)));
    await first.stop();
    for (let round = 0; round < 20 && (await firstRetained()) <= 0n; round++) ids.push(...(await createCustomers(500)));
    expect(await firstRetained()).toBeGreaterThan(0n);

    // When a new instance with an empty replica joins, while writes keep arriving
    const writer = keepWriting(ids);
    const orderDb = await orderDatabase();
    const fresh = await orderInstance('order-fresh', orderDb);
    await until(() => fresh.logged('replica bootstrapped from the snapshot; resuming the stream'), 60_000, 'bootstrapped');
    await until(() => writer.writes >= 100, 30_000, 'writes after the bootstrap');
    await writer.stop();

    // Then it loaded the snapshot and the replica equals customer_db, field by field
    const customers = await expectReplicaEqual(orderDb);
    expect(customers).toBeGreaterThan(500);
    expect(await fresh.metric('replica_bootstrap_rows_total')).toBeGreaterThan(500);
    expect((await fresh.get('/ready'))?.status).toBe(200);
    const loaded = fresh.lines.find((line) => line.msg === 'replica bootstrapped from the snapshot; resuming the stream');
    console.log(`bootstrap: ${String(loaded?.loaded)} customers in ${String(loaded?.seconds)} s, then the stream from offset ${String(loaded?.resumeFrom)}`);
    // The instances of one consumer group share one replica: the next test's has a database of its own.
    await fresh.stop();
  }, 180_000);

  it('an instance that was down past retention reports stream_gap; make rebuild-replica then loads the snapshot', async () => {
    // Given an instance that applied the stream, then was down while retention passed its offset
    const orderDb = await orderDatabase();
    let instance = await orderInstance('order-down', orderDb);
    await instance.ready();
    ids.push(...(await createCustomers(100)));
    await expectReplicaEqual(orderDb);
    // ... and applied events of the stream itself (not only a snapshot: that replica would just load one again)
    await until(async () => (await rows(orderDb.url, `SELECT 'x' AS id, last_fingerprint AS state FROM consumer_offsets`)).get('x'), 30_000, 'events applied');
    await instance.stop();
    const stored = BigInt([...(await rows(orderDb.url, `SELECT 'x' AS id, last_offset::text AS state FROM consumer_offsets`)).values()][0]!);
    for (let round = 0; round < 30 && (await firstRetained()) <= stored + 1n; round++) ids.push(...(await createCustomers(500)));
    expect(await firstRetained()).toBeGreaterThan(stored + 1n);
    instance = await orderInstance('order-back', orderDb);

    // When it comes back, it says stream_gap and does not consume
    let last: unknown;
    await until(async () => (last = (await instance.get<{ reason?: string }>('/ready'))?.body)?.reason === 'stream_gap', 30_000, 'stream_gap').catch(
      (error: unknown) => {
        throw new Error(`${(error as Error).message}: /ready said ${JSON.stringify(last)}\n${instance.tail(20)}`);
      },
    );
    expect((await instance.get('/ready'))?.status, instance.tail(30)).toBe(503);
    expect(await instance.metric('replica_integrity_ok')).toBe(0);

    // Then the operator's rebuild sees the gap and chooses the snapshot; the replica ends equal
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(REPO_ROOT, 'order-service/dist/src/rebuild.js')], {
      env: { ...process.env, DATABASE_URL: orderDb.url, STREAM_NAME: stream },
    });
    expect(stdout).toMatch(/loads customer-service's snapshot/);
    await until(() => instance.logged('replica bootstrapped from the snapshot; resuming the stream'), 60_000, 'bootstrapped');
    await expectReplicaEqual(orderDb);
    await until(async () => (await instance.get('/ready'))?.status === 200, 30_000, 'ready again');
    expect(await instance.metric('replica_integrity_ok')).toBe(1);
  }, 180_000);
});
