import { infra, until } from '@demo/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerInput } from '../support/api.js';
import { useTestApp } from '../support/app.js';
import { duplicates, readStream } from '../support/stream.js';

// Stops and starts the broker (scripts/infra.sh rabbitmq-stop/-start): whatever else uses it sees the outage.

const t = useTestApp();
let brokerStopped = false;

beforeAll(async () => {
  await until(() => t.app.connection.isConnected, 10_000, 'stream connection');
});
afterAll(async () => {
  if (brokerStopped) await infra('rabbitmq-start');
});

async function createMany(count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const response = await t.app.http.inject({ method: 'POST', url: '/customers', payload: customerInput('outage') });
    expect(response.statusCode).toBe(201);
    ids.push(response.json<{ customer_id: string }>().customer_id);
  }
  return ids;
}

describe('outbox while the broker is down', () => {
  it('keeps accepting writes, then publishes each committed event exactly once when the broker is back', async () => {
    // Given some customers published before the outage
    const before = await createMany(5);
    await until(async () => (await t.pool.query('SELECT 1 FROM outbox')).rowCount === 0, 10_000, 'outbox drained');

    // When the broker stops while customers are created and updated
    await infra('rabbitmq-stop');
    brokerStopped = true;
    let during: string[];
    try {
      await until(() => !t.app.connection.isConnected, 10_000, 'connection noticed the outage');
      during = await createMany(20);
      const updated = await t.app.http.inject({
        method: 'PUT',
        url: `/customers/${during[0]}/address`,
        payload: { address: 'Changed during the outage' },
      });
      expect(updated.statusCode).toBe(200);
      const ready = await t.app.http.inject({ method: 'GET', url: '/ready' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({ status: 'not_ready', checks: { database: 'up', stream: 'down' } });
      const pending = await t.pool.query('SELECT count(*)::int AS n FROM outbox');
      expect(pending.rows[0].n).toBe(21);
    } finally {
      await infra('rabbitmq-start');
      brokerStopped = false;
    }

    // Then every event reaches the stream once
    await until(async () => (await t.pool.query('SELECT 1 FROM outbox')).rowCount === 0, 30_000, 'outbox drained after outage');
    const reader = await readStream(t.resources.stream);
    try {
      await until(() => reader.events.length >= 26, 15_000, '26 events');
      const created = reader.events.filter((received) => received.event.type === 'customer.created');
      expect(created.map((received) => received.event.data.customer_id).sort()).toEqual([...before, ...during].sort());
      expect(duplicates(reader.events)).toEqual([]);
      expect(reader.events).toHaveLength(26);
      const metrics = (await t.app.http.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toMatch(/^event_publish_errors_total [1-9]/m);
    } finally {
      await reader.close();
    }
  });
});
