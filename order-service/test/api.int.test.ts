import { randomUUID } from 'node:crypto';
import { ORDER_SERVICE_CONSUMER } from '@demo/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rebuildReplica } from '../src/db/rebuild.js';
import { createTestDatabase, until, type TestDatabase } from '@demo/test-support';
import { addressUpdated, created, deleted } from './support/events.js';
import { startInProcess, type InProcessService } from './support/in-process.js';
import { comparable, kyselyFor, readReplica, storedOffset } from './support/replica.js';
import { createTestStream, foldStream, TestPublisher, type StreamContents, type TestStream } from './support/stream.js';

let database: TestDatabase;
let stream: TestStream;
let publisher: TestPublisher;
let service: InProcessService;
let db: ReturnType<typeof kyselyFor>;

beforeAll(async () => {
  database = await createTestDatabase('order_api');
  stream = await createTestStream('api');
  publisher = await TestPublisher.create(stream.connection, stream.name);
  db = kyselyFor(database.url);
  service = await startInProcess({ DATABASE_URL: database.url, STREAM_NAME: stream.name, READ_YOUR_WRITES_TIMEOUT_MS: '1000' });
  await until(async () => (await service.http.inject('/health')).json().role === 'active', 15_000, 'active');
});

afterAll(async () => {
  await service?.close();
  await db?.destroy();
  await publisher?.close();
  await stream?.drop();
  await database?.drop();
});

/** Waits until the stored offset reaches the stream's last message; returns what the stream holds. */
async function applied(): Promise<StreamContents> {
  const contents = await publisher.contents(stream.connection, stream.name);
  await until(async () => (await storedOffset(db, stream.name)) === contents.lastOffset, 10_000, 'all applied');
  return contents;
}

async function postOrder(customerId: unknown) {
  return service.http.inject({ method: 'POST', url: '/orders', payload: { customer_id: customerId } });
}

describe('POST /orders', () => {
  it('is Processing for a known address and Failed for the address "unknown"', async () => {
    // Given
    const known = randomUUID();
    const unknownAddress = randomUUID();
    await publisher.publish([created(known, '1 Main St'), created(unknownAddress, 'unknown')]);
    await applied();
    // When
    const ok = await postOrder(known);
    const failed = await postOrder(unknownAddress);
    // Then
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ customer_id: known, status: 'Processing' });
    expect(ok.json().order_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Date(ok.json().created_at).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(failed.statusCode).toBe(201);
    expect(failed.json().status).toBe('Failed');
  });

  it('reads its writes: an order posted right after the event was published is not refused', async () => {
    // Given an event confirmed by the broker, and no wait at all
    const id = randomUUID();
    await publisher.publish([created(id, '2 Main St')]);
    // When
    const response = await postOrder(id);
    // Then
    expect(response.statusCode).toBe(201);
    expect(response.json().status).toBe('Processing');
  });

  it('refuses an unknown customer with 400 unknown_customer within the bound', async () => {
    // When
    const started = Date.now();
    const response = await postOrder(randomUUID());
    // Then
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: 'unknown_customer' });
    expect(Date.now() - started).toBeLessThan(1_900);
  });

  it('refuses a deleted customer', async () => {
    // Given
    const id = randomUUID();
    await publisher.publish([created(id, '3 Main St'), deleted(id, 2)]);
    await applied();
    // When
    const response = await postOrder(id);
    // Then
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toBe('unknown_customer');
  });

  it.each([
    ['a malformed id', { customer_id: 'not-a-uuid' }],
    ['a missing id', {}],
    ['a number', { customer_id: 42 }],
    ['an extra field', { customer_id: randomUUID(), extra: 1 }],
  ])('answers 400 validation_failed for %s', async (_what, payload) => {
    const response = await service.http.inject({ method: 'POST', url: '/orders', payload });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: 'validation_failed' });
  });

  it('answers 400 for a body that is not JSON and 415 for another content type', async () => {
    const notJson = await service.http.inject({ method: 'POST', url: '/orders', payload: '{', headers: { 'content-type': 'application/json' } });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json().error).toBe('invalid_json');
    const text = await service.http.inject({ method: 'POST', url: '/orders', payload: 'x', headers: { 'content-type': 'application/xml' } });
    expect(text.statusCode).toBe(415);
    expect(text.json().error).toBe('unsupported_media_type');
  });

  it('counts created orders by status', async () => {
    const metrics = (await service.http.inject('/metrics')).body;
    expect(metrics).toMatch(/orders_created_total\{status="Processing"\} [1-9]/);
    expect(metrics).toMatch(/orders_created_total\{status="Failed"\} [1-9]/);
  });
});

describe('GET /orders', () => {
  it('returns one order by id, 404 for an unknown id and 400 for a malformed one', async () => {
    // Given
    const id = randomUUID();
    await publisher.publish([created(id, '4 Main St')]);
    const order = (await postOrder(id)).json();
    // When / Then
    const found = await service.http.inject(`/orders/${order.order_id}`);
    expect(found.statusCode).toBe(200);
    expect(found.json()).toEqual(order);
    const missing = await service.http.inject(`/orders/${randomUUID()}`);
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error).toBe('not_found');
    const malformed = await service.http.inject('/orders/123');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error).toBe('validation_failed');
  });

  it("lists a customer's orders, oldest first, and needs a valid customer_id", async () => {
    // Given
    const id = randomUUID();
    await publisher.publish([created(id, '5 Main St')]);
    const first = (await postOrder(id)).json();
    const second = (await postOrder(id)).json();
    // When
    const list = await service.http.inject(`/orders?customer_id=${id}`);
    // Then
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((o: { order_id: string }) => o.order_id)).toEqual([first.order_id, second.order_id]);
    expect((await service.http.inject(`/orders?customer_id=${randomUUID()}`)).json()).toEqual({ items: [] });
    expect((await service.http.inject('/orders')).statusCode).toBe(400);
    expect((await service.http.inject('/orders?customer_id=nope')).json().error).toBe('validation_failed');
  });
});

describe('GET /replica/customers/:id', () => {
  it('returns the replica row, 404 when absent, 400 when malformed', async () => {
    // Given
    const id = randomUUID();
    await publisher.publish([created(id, '6 Main St'), addressUpdated(id, '7 Main St', 2)]);
    await applied();
    // When
    const row = await service.http.inject(`/replica/customers/${id}`);
    // Then
    expect(row.statusCode).toBe(200);
    expect(row.json()).toMatchObject({ id, address: '7 Main St', version: 2, deleted: false });
    expect((await service.http.inject(`/replica/customers/${randomUUID()}`)).statusCode).toBe(404);
    expect((await service.http.inject('/replica/customers/x')).statusCode).toBe(400);
  });

  it('ignores out-of-order and duplicate versions', async () => {
    // Given version 3 applied
    const id = randomUUID();
    await publisher.publish([created(id, 'v1'), addressUpdated(id, 'v2', 2), addressUpdated(id, 'v3', 3)]);
    await applied();
    // When older, duplicate and replayed versions arrive later, in separate batches
    await publisher.publish([addressUpdated(id, 'late v2', 2)]);
    await applied();
    await publisher.publish([addressUpdated(id, 'duplicate v3', 3), created(id, 'replayed v1')]);
    await applied();
    // Then nothing changed
    expect((await service.http.inject(`/replica/customers/${id}`)).json()).toMatchObject({ address: 'v3', version: 3, deleted: false });
  });
});

describe('poison events', () => {
  it('parks each with its reason while the following events still apply', async () => {
    // Given
    const before = randomUUID();
    const after = randomUUID();
    const firstOffset = (await applied()).lastOffset;
    const good = created(before, 'before');
    const annotationsOf = (type: string, extra: Record<string, string | number> = {}) => ({
      event_id: randomUUID(),
      event_type: type,
      correlation_id: 'c',
      schema_version: 1,
      ...extra,
    });
    // When
    await publisher.publish([
      good,
      { body: Buffer.from('this is not JSON'), annotations: annotationsOf('customer.created') },
      { body: Buffer.from('{}'), annotations: annotationsOf('customer.renamed') },
      { body: Buffer.from(JSON.stringify({ customer_id: randomUUID() })), annotations: annotationsOf('customer.address.updated') },
      { body: Buffer.from(JSON.stringify(created(randomUUID(), 'x').data)), annotations: annotationsOf('customer.created', { schema_version: 2 }) },
      { body: Buffer.from(JSON.stringify({ ...created(randomUUID(), 'x').data, address: 'y'.repeat(300_000) })), annotations: annotationsOf('customer.created') },
      { body: Buffer.from([0xff, 0xfe, 0x00]), annotations: { event_type: 'customer.created' } },
      // NUL bytes: PostgreSQL text cannot store them, so parking must not try to (it stalled the applier once).
      { body: Buffer.from([0xff, 0x00, 0x7b]), annotations: annotationsOf('customer.created') },
      { body: Buffer.from(JSON.stringify({ ...created(randomUUID(), 'x').data, address: 'nul\u0000here' })), annotations: annotationsOf('customer.created') },
      created(after, 'after'),
    ]);
    await applied();
    // Then
    const page = (await service.http.inject('/admin/parked-events?limit=500')).json();
    const ours = page.items.filter((item: { stream_offset: string }) => BigInt(item.stream_offset) > firstOffset);
    expect(ours.map((item: { reason: string }) => item.reason)).toEqual([
      'unparseable_body',
      'unknown_type',
      'invalid_body',
      'unsupported_schema_version',
      'invalid_body',
      'missing_metadata',
      'unparseable_body',
      'invalid_body',
    ]);
    expect(ours[0]).toMatchObject({ body: 'this is not JSON', body_encoding: 'utf8', event_type: 'customer.created', body_truncated: false });
    expect(ours[4]).toMatchObject({ body_truncated: true });
    expect(ours[4].body_bytes).toBeGreaterThan(300_000);
    expect(ours[5]).toMatchObject({ body: Buffer.from([0xff, 0xfe, 0x00]).toString('base64'), body_encoding: 'base64', event_id: null });
    expect((await service.http.inject(`/replica/customers/${after}`)).json().address).toBe('after');
    const metrics = (await service.http.inject('/metrics')).body;
    expect(Number(/customer_events_parked_total (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(8);
  });

  it('pages the parked events by offset and rejects bad parameters', async () => {
    const first = (await service.http.inject('/admin/parked-events?limit=2')).json();
    expect(first.items).toHaveLength(2);
    expect(first.next).toBe(first.items[1].stream_offset);
    const second = (await service.http.inject(`/admin/parked-events?limit=2&after=${first.next}`)).json();
    expect(BigInt(second.items[0].stream_offset)).toBeGreaterThan(BigInt(first.next));
    expect((await service.http.inject('/admin/parked-events?limit=0')).statusCode).toBe(400);
    expect((await service.http.inject('/admin/parked-events?limit=501')).statusCode).toBe(400);
    expect((await service.http.inject('/admin/parked-events?after=abc')).json().error).toBe('validation_failed');
  });
});

describe('health', () => {
  it('says which role this instance has and its applied offset', async () => {
    const { lastOffset } = await applied();
    const health = (await service.http.inject('/health')).json();
    expect(health).toEqual({ status: 'ok', role: 'active', applied_offset: lastOffset.toString() });
    const ready = await service.http.inject('/ready');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready', role: 'active', checks: { database: 'up', stream: 'up' } });
    const metrics = (await service.http.inject('/metrics')).body;
    expect(metrics).toMatch(/^stream_consumer_active 1$/m);
    expect(metrics).toMatch(/customers_processed_total\{event_type="customer.created"\} \d+/);
    expect(metrics).toMatch(/replication_lag_seconds_count [1-9]/);
    expect(metrics).toMatch(/apply_batch_size_count [1-9]/);
    expect(metrics).toMatch(/apply_batch_duration_seconds_count [1-9]/);
    expect(metrics).toMatch(/http_request_duration_seconds_count\{method="POST",route="\/orders",status_code="201"\}/);
  });

  it('is not ready (503) when the stream cannot be reached', async () => {
    // Given an instance pointed at a port where no broker listens
    const lonely = await startInProcess({ DATABASE_URL: database.url, STREAM_NAME: stream.name, RABBITMQ_STREAM_PORT: '1' });
    try {
      // When
      const ready = await lonely.http.inject('/ready');
      // Then
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({ error: 'not_ready', role: 'standby', checks: { database: 'up', stream: 'down' } });
      expect((await lonely.http.inject('/health')).statusCode).toBe(200);
    } finally {
      await lonely.close();
    }
  });
});

describe('rebuild', () => {
  it('replays the stream from the first offset into the same replica while the service runs', async () => {
    // Given
    const contents = await applied();
    const before = await readReplica(db);
    expect(before).toEqual(comparable(foldStream(contents)));
    const parkedBefore = (await service.http.inject('/admin/parked-events?limit=500')).json().items.length;
    // When
    await rebuildReplica(db, { consumerName: ORDER_SERVICE_CONSUMER, stream: stream.name });
    // Then
    await applied();
    expect(await readReplica(db)).toEqual(before);
    expect((await service.http.inject('/admin/parked-events?limit=500')).json().items.length).toBe(parkedBefore);
    const id = randomUUID();
    await publisher.publish([created(id, 'after rebuild')]);
    expect((await postOrder(id)).statusCode).toBe(201);
  });
});
