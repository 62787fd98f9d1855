import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { created, deleted } from '../support/events.js';
import { useServiceUnderTest } from '../support/in-process.js';

const service = useServiceUnderTest('orders', { READ_YOUR_WRITES_TIMEOUT_MS: '1000' });

describe('POST /orders', () => {
  it('is Processing for a known address and Failed for the address "unknown"', async () => {
    // Given
    const known = randomUUID();
    const unknownAddress = randomUUID();
    await service().publisher.publish([created(known, '1 Main St'), created(unknownAddress, 'unknown')]);
    await service().applied();
    // When
    const ok = await service().postOrder(known);
    const failed = await service().postOrder(unknownAddress);
    // Then
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ customer_id: known, status: 'Processing' });
    expect(ok.json().order_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Date(ok.json().created_at).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(failed.statusCode).toBe(201);
    expect(failed.json().status).toBe('Failed');
    // order ids are time-ordered (UUIDv7: version digit 7), so new orders go to the right edge of the primary key
    expect([ok.json().order_id[14], failed.json().order_id[14]]).toEqual(['7', '7']);
  });

  it('reads its writes: an order posted right after the event was published is not refused', async () => {
    // Given an event confirmed by the broker, and no wait at all
    const id = randomUUID();
    await service().publisher.publish([created(id, '2 Main St')]);
    // When
    const response = await service().postOrder(id);
    // Then
    expect(response.statusCode).toBe(201);
    expect(response.json().status).toBe('Processing');
  });

  it('refuses an unknown customer with 400 unknown_customer within the bound', async () => {
    // When
    const started = Date.now();
    const response = await service().postOrder(randomUUID());
    // Then
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: 'unknown_customer' });
    expect(Date.now() - started).toBeLessThan(1_900);
  });

  it('refuses a deleted customer', async () => {
    // Given
    const id = randomUUID();
    await service().publisher.publish([created(id, '3 Main St'), deleted(id, 2)]);
    await service().applied();
    // When
    const response = await service().postOrder(id);
    // Then
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('unknown_customer');
  });

  it.each([
    ['a malformed id', { customer_id: 'not-a-uuid' }],
    ['a missing id', {}],
    ['a number', { customer_id: 42 }],
    ['an extra field', { customer_id: randomUUID(), extra: 1 }],
    // ajv's uuid format lets the urn form through; PostgreSQL does not read it (it was a 500)
    ['a urn:uuid: id', { customer_id: `urn:uuid:${randomUUID()}` }],
  ])('answers 400 validation_failed for %s', async (_what, payload) => {
    const response = await service().http.inject({ method: 'POST', url: '/orders', payload });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: 'validation_failed' });
  });

  it('answers 400 for a body that is not JSON and 415 for another content type', async () => {
    const notJson = await service().http.inject({ method: 'POST', url: '/orders', payload: '{', headers: { 'content-type': 'application/json' } });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json().error).toBe('invalid_json');
    const text = await service().http.inject({ method: 'POST', url: '/orders', payload: 'x', headers: { 'content-type': 'application/xml' } });
    expect(text.statusCode).toBe(415);
    expect(text.json().error).toBe('unsupported_media_type');
  });

  it('counts created orders by status', async () => {
    const metrics = (await service().http.inject('/metrics')).body;
    expect(metrics).toMatch(/orders_created_total\{status="Processing"\} [1-9]/);
    expect(metrics).toMatch(/orders_created_total\{status="Failed"\} [1-9]/);
  });
});

describe('GET /orders', () => {
  it('returns one order by id, 404 for an unknown id and 400 for a malformed one', async () => {
    // Given
    const id = randomUUID();
    await service().publisher.publish([created(id, '4 Main St')]);
    const order = (await service().postOrder(id)).json();
    // When / Then
    const found = await service().http.inject(`/orders/${order.order_id}`);
    expect(found.statusCode).toBe(200);
    expect(found.json()).toEqual(order);
    const missing = await service().http.inject(`/orders/${randomUUID()}`);
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error).toBe('not_found');
    const malformed = await service().http.inject('/orders/123');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error).toBe('validation_failed');
  });

  it("lists a customer's orders, oldest first, and needs a valid customer_id", async () => {
    // Given
    const id = randomUUID();
    await service().publisher.publish([created(id, '5 Main St')]);
    const first = (await service().postOrder(id)).json();
    const second = (await service().postOrder(id)).json();
    // When
    const list = await service().http.inject(`/orders?customer_id=${id}`);
    // Then
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((o: { order_id: string }) => o.order_id)).toEqual([first.order_id, second.order_id]);
    expect((await service().http.inject(`/orders?customer_id=${randomUUID()}`)).json()).toEqual({ items: [] });
    expect((await service().http.inject('/orders')).statusCode).toBe(400);
    expect((await service().http.inject('/orders?customer_id=nope')).json().error).toBe('validation_failed');
    const urn = await service().http.inject(`/orders?customer_id=urn:uuid:${id}`);
    expect([urn.statusCode, urn.json().error]).toEqual([400, 'validation_failed']);
    const urnOrder = await service().http.inject(`/orders/urn:uuid:${first.order_id}`);
    expect([urnOrder.statusCode, urnOrder.json().error]).toEqual([400, 'validation_failed']);
  });
});
