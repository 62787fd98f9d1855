import {
  createTestDatabase,
  deleteStream,
  freePort,
  infra,
  ServiceProcess,
  suffix,
  until,
  type TestDatabase,
} from '@demo/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// `rabbitmq-streams restart_stream` is what the broker does to a stream whenever its leader moves:
// it sends a metadata update, and the client closes the stream's publishers and consumers itself.
// The whole system (customer-service and two order-service instances, real processes) must carry
// on: nobody crashes, readiness drops while an entity is missing, and every change reaches the replica.

let customerDb: TestDatabase;
let orderDb: TestDatabase;
const stream = `test-restart-${suffix()}`;
const processes: ServiceProcess[] = [];

async function launch(kind: 'customer-service' | 'order-service', name: string, databaseUrl: string): Promise<ServiceProcess> {
  const service = new ServiceProcess(kind, name, await freePort(), {
    DATABASE_URL: databaseUrl,
    STREAM_NAME: stream,
    OUTBOX_POLL_MS: '50',
    RELAY_LOCK_RETRY_MS: '200',
  }).start();
  processes.push(service);
  await service.ready();
  return service;
}

beforeAll(async () => {
  customerDb = await createTestDatabase('restart_customer');
  orderDb = await createTestDatabase('restart_order');
});

afterAll(async () => {
  await Promise.all(processes.map((service) => service.stop()));
  await customerDb?.drop();
  await orderDb?.drop();
  await deleteStream(stream);
});

/** Samples GET /ready of every process every 10 ms and keeps the statuses other than 200. */
function watchReadiness(services: ServiceProcess[]) {
  const degraded = new Map<string, Array<Record<string, unknown>>>();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await Promise.all(
        services.map(async (service) => {
          const answer = await service.get('/ready', 500);
          if (answer && answer.status !== 200) degraded.set(service.name, [...(degraded.get(service.name) ?? []), answer.body]);
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  return {
    degraded,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/** Creates a customer and updates its address every 20 ms until stopped. */
function trickle(customer: ServiceProcess) {
  const failures: string[] = [];
  let writes = 0;
  let stopped = false;
  const loop = (async () => {
    for (let i = 0; !stopped && i < 2_000; i++) {
      const response = await fetch(`${customer.url}/customers`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: `Trickle ${i}`, email: `trickle-${i}-${suffix()}@example.com`, address: `Street ${i}` }),
      });
      if (response.status !== 201) failures.push(`create ${i}: ${response.status} ${await response.text()}`);
      else {
        const { customer_id: id } = (await response.json()) as { customer_id: string };
        const update = await fetch(`${customer.url}/customers/${id}/address`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ address: `Moved ${i}` }),
        });
        if (update.status !== 200) failures.push(`update ${i}: ${update.status}`);
        writes += 2;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  return {
    failures,
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
    const result = await client.query<{ id: string; state: string }>(query);
    return new Map(result.rows.map((row) => [row.id, row.state]));
  } finally {
    await client.end();
  }
}

describe('a stream restart (metadata update) under a trickle of writes', () => {
  it('keeps every instance alive, degrades readiness meanwhile, and brings every change to the replica', async () => {
    // Given the system on a stream of its own, writes flowing
    const customer = await launch('customer-service', 'customer', customerDb.url);
    const orders = [await launch('order-service', 'order-1', orderDb.url), await launch('order-service', 'order-2', orderDb.url)];
    const all = [customer, ...orders];
    const writes = trickle(customer);
    await until(() => writes.writes >= 20, 10_000, 'first writes');

    // When the stream is restarted twice, a few seconds apart
    const readiness = watchReadiness(all);
    await infra('restart-stream', stream);
    await until(() => writes.writes >= 120, 20_000, 'writes after the first restart');
    await infra('restart-stream', stream);
    await until(() => writes.writes >= 220, 20_000, 'writes after the second restart');
    await writes.stop();
    await until(async () => (await Promise.all(all.map((service) => service.get('/ready')))).every((r) => r?.status === 200), 30_000, 'all ready again');
    await readiness.stop();

    // Then nobody crashed
    for (const service of all) expect(service.running, service.tail()).toBe(true);
    expect(writes.failures).toEqual([]);
    // ... readiness was degraded in between, on the publishing side and on the consuming side
    expect(readiness.degraded.get('customer')?.length ?? 0, 'customer-service never reported not ready').toBeGreaterThan(0);
    const orderDegraded = orders.map((service) => readiness.degraded.get(service.name)?.length ?? 0);
    expect(Math.max(...orderDegraded), 'no order-service instance reported not ready').toBeGreaterThan(0);
    // ... and the replica holds every customer at its last version
    const source = await rows(customerDb.url, `SELECT id::text, address || '@' || version AS state FROM customers`);
    await until(
      async () => {
        const replica = await rows(orderDb.url, `SELECT id::text, address || '@' || version AS state FROM customers`);
        return replica.size === source.size && [...source].every(([id, state]) => replica.get(id) === state);
      },
      30_000,
      'replica equal to customer_db',
    ).catch(async (error: unknown) => {
      const replica = await rows(orderDb.url, `SELECT id::text, address || '@' || version AS state FROM customers`);
      throw new Error(`${(error as Error).message}: ${source.size} customers, replica ${replica.size}\n${orders.map((o) => o.tail()).join('\n')}`);
    });
    expect(source.size).toBeGreaterThanOrEqual(110);
    const pending = await rows(customerDb.url, `SELECT id::text, '' AS state FROM outbox`);
    expect(pending.size).toBe(0);
  });
});
