import { until } from '@demo/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerInput } from '../support/api.js';
import { useTestApp } from '../support/app.js';
import { readStream, type ReceivedEvent } from '../support/stream.js';

const t = useTestApp();
let reader: Awaited<ReturnType<typeof readStream>>;

beforeAll(async () => {
  await until(() => t.app.connection.isConnected, 10_000, 'stream connection');
  reader = await readStream(t.resources.stream);
});
afterAll(async () => {
  await reader?.close();
});

async function eventsOf(customerId: string, count: number): Promise<ReceivedEvent[]> {
  const mine = () => reader.events.filter((received) => received.event.data.customer_id === customerId);
  await until(() => mine().length >= count, 15_000, `${count} events of ${customerId}`);
  return mine();
}

describe('events on the stream', () => {
  it('publishes created, address.updated and deleted with their exact bodies, annotations and correlation ids', async () => {
    // Given
    const input = customerInput('events');
    // When
    const created = await t.app.http.inject({
      method: 'POST',
      url: '/customers',
      payload: input,
      headers: { 'x-correlation-id': 'corr-create-1' },
    });
    const customer = created.json<{ customer_id: string; created_at: string }>();
    const updated = await t.app.http.inject({
      method: 'PUT',
      url: `/customers/${customer.customer_id}/address`,
      payload: { address: 'Quote " and \\ and ünïcödé' },
      headers: { 'x-correlation-id': 'corr-update-2' },
    });
    const deleted = await t.app.http.inject({
      method: 'DELETE',
      url: `/customers/${customer.customer_id}`,
      headers: { 'x-correlation-id': 'corr-delete-3' },
    });
    expect([created.statusCode, updated.statusCode, deleted.statusCode]).toEqual([201, 200, 204]);
    expect(created.headers['x-correlation-id']).toBe('corr-create-1');

    // Then
    const [first, second, third] = await eventsOf(customer.customer_id, 3);
    const updatedAt = updated.json<{ updated_at: string }>().updated_at;

    expect(first?.body).toBe(
      JSON.stringify({
        customer_id: customer.customer_id,
        name: input.name,
        email: input.email,
        address: input.address,
        version: 1,
        timestamp: customer.created_at,
      }),
    );
    expect(first?.annotations).toEqual({
      event_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      event_type: 'customer.created',
      correlation_id: 'corr-create-1',
      schema_version: 1,
    });

    expect(second?.body).toBe(
      JSON.stringify({
        customer_id: customer.customer_id,
        address: 'Quote " and \\ and ünïcödé',
        version: 2,
        timestamp: updatedAt,
      }),
    );
    expect(second?.annotations).toMatchObject({ event_type: 'customer.address.updated', correlation_id: 'corr-update-2' });

    expect(third?.event.type).toBe('customer.deleted');
    expect(JSON.parse(third?.body ?? '{}')).toEqual({
      customer_id: customer.customer_id,
      version: 3,
      timestamp: expect.any(String),
    });
    expect(third?.annotations).toMatchObject({ event_type: 'customer.deleted', correlation_id: 'corr-delete-3' });

    const ids = [first, second, third].map((received) => received?.annotations.event_id);
    expect(new Set(ids).size).toBe(3);
  });

  it('publishes every change once, in version order per customer, and empties the outbox', async () => {
    // Given
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const response = await t.app.http.inject({ method: 'POST', url: '/customers', payload: customerInput('order') });
      ids.push(response.json<{ customer_id: string }>().customer_id);
    }
    // When: concurrent updates of the same customers
    await Promise.all(
      ids.flatMap((id) =>
        [1, 2, 3].map((n) =>
          t.app.http.inject({ method: 'PUT', url: `/customers/${id}/address`, payload: { address: `Road ${n}` } }),
        ),
      ),
    );
    // Then
    for (const id of ids) {
      const events = await eventsOf(id, 4);
      expect(events.map((received) => received.event.data.version)).toEqual([1, 2, 3, 4]);
    }
    const text = (await t.app.http.inject({ method: 'GET', url: '/metrics' })).body;
    await until(async () => {
      const metrics = (await t.app.http.inject({ method: 'GET', url: '/metrics' })).body;
      return /^outbox_pending 0$/m.test(metrics);
    }, 10_000, 'outbox empty');
    expect(text).toMatch(/^events_published_total\{event_type="customer.address.updated"\} \d+/m);
  });
});
