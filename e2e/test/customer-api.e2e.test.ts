import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createCustomer,
  newCustomerInput,
  track,
  uniqueEmail,
  type Customer,
  type ErrorBody,
} from './support/api.js';
import { AS_READER, CUSTOMER_URL } from './support/config.js';
import { customersWithEmail, openDatabases } from './support/db.js';
import { del, get, post, put, request } from './support/http.js';
import { openStreamReader } from './support/stream.js';

// Scenario 2: every customer-service endpoint and its documented errors, from the outside.
const db = openDatabases();
afterAll(() => db.close());

const anError = { error: expect.stringMatching(/^[a-z_]+$/), message: expect.any(String) };

describe('customer-service: create', () => {
  it('POST /customers → 201 with the customer, version 1', async () => {
    const input = newCustomerInput();
    const response = await post<Customer>(`${CUSTOMER_URL}/customers`, input);
    expect(response.status, response.text).toBe(201);
    track(response.body.customer_id);
    expect(response.body).toEqual({
      customer_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: input.name,
      email: input.email,
      address: input.address,
      version: 1,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
  });

  const invalidBodies: Array<[string, () => unknown]> = [
    ['name missing', () => ({ email: uniqueEmail('bad'), address: 'a' })],
    ['email missing', () => ({ name: 'n', address: 'a' })],
    ['address missing', () => ({ name: 'n', email: uniqueEmail('bad') })],
    ['name of the wrong type', () => ({ name: 42, email: uniqueEmail('bad'), address: 'a' })],
    ['address of the wrong type', () => ({ name: 'n', email: uniqueEmail('bad'), address: ['a'] })],
    ['empty name', () => ({ name: '', email: uniqueEmail('bad'), address: 'a' })],
    ['empty address', () => ({ name: 'n', email: uniqueEmail('bad'), address: '' })],
    ['201-character name', () => ({ name: 'x'.repeat(201), email: uniqueEmail('bad'), address: 'a' })],
    ['201-character address', () => ({ name: 'n', email: uniqueEmail('bad'), address: 'x'.repeat(201) })],
    ['invalid email', () => ({ name: 'n', email: `not-an-email-${randomUUID()}`, address: 'a' })],
    ['a JSON array', () => []],
  ];
  it.each(invalidBodies)('POST /customers with %s → 400 validation_failed, nothing created', async (_case, body) => {
    // Given an invalid body
    const input = body();
    // When it is posted
    const response = await post(`${CUSTOMER_URL}/customers`, input);
    // Then it is refused with a clear JSON error and nothing is stored
    expect(response.status, response.text).toBe(400);
    expect(response.body).toEqual({ error: 'validation_failed', message: expect.any(String) });
    const email = (input as { email?: unknown }).email;
    if (typeof email === 'string') expect(await customersWithEmail(db, email)).toBe(0);
  });

  it('POST /customers with invalid JSON → 400 invalid_json', async () => {
    const response = await request('POST', `${CUSTOMER_URL}/customers`, {
      raw: '{"name": "n", "email":',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status, response.text).toBe(400);
    expect(response.body).toEqual({ error: 'invalid_json', message: expect.any(String) });
  });

  it.each(['text/plain', 'application/xml'])('POST /customers with a %s body → 415 unsupported_media_type, nothing created', async (type) => {
    const input = newCustomerInput();
    const response = await request('POST', `${CUSTOMER_URL}/customers`, {
      raw: JSON.stringify(input),
      headers: { 'content-type': type },
    });
    expect(response.status, response.text).toBe(415);
    expect(response.body).toEqual({ error: 'unsupported_media_type', message: expect.any(String) });
    expect(await customersWithEmail(db, input.email)).toBe(0);
  });

  it('POST /customers with a body over 64 KiB → 413, nothing created', async () => {
    const input = { ...newCustomerInput(), padding: 'x'.repeat(70 * 1024) };
    const response = await post(`${CUSTOMER_URL}/customers`, input);
    expect(response.status, response.text.slice(0, 200)).toBe(413);
    expect(response.body).toEqual({ error: 'payload_too_large', message: expect.any(String) });
    expect(await customersWithEmail(db, input.email)).toBe(0);
  });

  it('POST /customers with an email already used, in other letter case → 409, nothing created', async () => {
    // Given a customer
    const existing = await createCustomer();
    // When another one is posted with the same email in upper case
    const response = await post(`${CUSTOMER_URL}/customers`, newCustomerInput({ email: existing.email.toUpperCase() }));
    // Then it is a conflict and only the first row exists
    expect(response.status, response.text).toBe(409);
    expect(response.body).toEqual(anError);
    expect(await customersWithEmail(db, existing.email)).toBe(1);
  });
});

describe('customer-service: Idempotency-Key', () => {
  it('a retry with the same key and body returns the original response and creates nothing', async () => {
    // Given a create with an idempotency key
    const key = `e2e-${randomUUID()}`;
    const input = newCustomerInput();
    const first = await post<Customer>(`${CUSTOMER_URL}/customers`, input, { headers: { 'idempotency-key': key } });
    expect(first.status, first.text).toBe(201);
    track(first.body.customer_id);

    // When it is retried
    const retry = await post<Customer>(`${CUSTOMER_URL}/customers`, input, { headers: { 'idempotency-key': key } });

    // Then the answer is the original one and there is still one customer
    expect(retry.status, retry.text).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(await customersWithEmail(db, input.email)).toBe(1);
  });

  it('the same key with a different body → 422, nothing created', async () => {
    const key = `e2e-${randomUUID()}`;
    const first = await post<Customer>(`${CUSTOMER_URL}/customers`, newCustomerInput(), {
      headers: { 'idempotency-key': key },
    });
    expect(first.status, first.text).toBe(201);
    track(first.body.customer_id);

    const other = newCustomerInput();
    const response = await post(`${CUSTOMER_URL}/customers`, other, { headers: { 'idempotency-key': key } });

    expect(response.status, response.text).toBe(422);
    expect(response.body).toEqual(anError);
    expect(await customersWithEmail(db, other.email)).toBe(0);
  });
});

describe('customer-service: read', () => {
  it('GET /customers/:id → 200 the customer; unknown → 404; malformed → 400', async () => {
    const customer = await createCustomer();

    const found = await get<Customer>(`${CUSTOMER_URL}/customers/${customer.customer_id}`);
    expect(found.status).toBe(200);
    expect(found.body).toEqual(customer);

    const unknown = await get(`${CUSTOMER_URL}/customers/${randomUUID()}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual(anError);

    const malformed = await get(`${CUSTOMER_URL}/customers/not-a-uuid`);
    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual(anError);
  });

  it('GET /customers?limit=&after= pages through customers without overlap (keyset)', async () => {
    // Given at least four customers
    for (let i = 0; i < 4; i++) await createCustomer();

    // When the first two pages of two are read
    const page1 = await get<{ items: Customer[]; next: string | null }>(`${CUSTOMER_URL}/customers?limit=2`, { headers: AS_READER });
    expect(page1.status, page1.text).toBe(200);
    expect(page1.body.items).toHaveLength(2);
    expect(page1.body.next).toEqual(expect.any(String));
    const page2 = await get<{ items: Customer[]; next: string | null }>(
      `${CUSTOMER_URL}/customers?limit=2&after=${encodeURIComponent(page1.body.next!)}`,
      { headers: AS_READER },
    );
    expect(page2.status, page2.text).toBe(200);

    // Then the pages hold distinct customers
    expect(page2.body.items.length).toBeGreaterThan(0);
    const ids1 = page1.body.items.map((c) => c.customer_id);
    const ids2 = page2.body.items.map((c) => c.customer_id);
    expect(ids2.filter((id) => ids1.includes(id))).toEqual([]);
  });

  it.each(['limit=501', 'limit=0', 'limit=-1', 'limit=abc', 'after=not-a-cursor'])(
    'GET /customers?%s → 400',
    async (query) => {
      const response = await get(`${CUSTOMER_URL}/customers?${query}`, { headers: AS_READER });
      expect(response.status, response.text).toBe(400);
      expect(response.body).toEqual(anError);
    },
  );
});

describe('customer-service: update and delete', () => {
  it('PUT /customers/:id/address → 200 with version + 1', async () => {
    const customer = await createCustomer();
    const response = await put<Customer>(`${CUSTOMER_URL}/customers/${customer.customer_id}/address`, {
      address: '2 Updated Avenue',
    });
    expect(response.status, response.text).toBe(200);
    expect(response.body).toMatchObject({ customer_id: customer.customer_id, address: '2 Updated Avenue', version: 2 });
  });

  it('PUT address errors: invalid body 400, unknown id 404, malformed id 400; the customer is unchanged', async () => {
    const customer = await createCustomer();
    const url = `${CUSTOMER_URL}/customers/${customer.customer_id}/address`;
    for (const body of [{}, { address: '' }, { address: 'x'.repeat(201) }, { address: 7 }]) {
      const response = await put(url, body);
      expect(response.status, `PUT ${JSON.stringify(body).slice(0, 40)}`).toBe(400);
      expect(response.body).toEqual({ error: 'validation_failed', message: expect.any(String) });
    }
    const unknown = await put(`${CUSTOMER_URL}/customers/${randomUUID()}/address`, { address: 'x' });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual(anError);
    const malformed = await put(`${CUSTOMER_URL}/customers/not-a-uuid/address`, { address: 'x' });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual(anError);

    const after = await get<Customer>(`${CUSTOMER_URL}/customers/${customer.customer_id}`);
    expect(after.body).toEqual(customer);
  });

  it('DELETE /customers/:id → 204, then GET 404, DELETE again 404, unknown 404', async () => {
    const customer = await createCustomer();

    const deleted = await del(`${CUSTOMER_URL}/customers/${customer.customer_id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');

    expect((await get(`${CUSTOMER_URL}/customers/${customer.customer_id}`)).status).toBe(404);
    const again = await del<ErrorBody>(`${CUSTOMER_URL}/customers/${customer.customer_id}`);
    expect(again.status).toBe(404);
    expect(again.body).toEqual(anError);
    expect((await del(`${CUSTOMER_URL}/customers/${randomUUID()}`)).status).toBe(404);
  });
});

describe('customer-service: correlation id', () => {
  const reader = openStreamReader();
  afterAll(() => reader.close());

  it('the X-Correlation-ID sent comes back on the response and is found on the event read from the stream', async () => {
    // Given a correlation id and the stream's current tail
    const correlationId = `e2e-${randomUUID()}`;
    const from = await reader.mark();

    // When a customer is created with it
    const response = await post<Customer>(`${CUSTOMER_URL}/customers`, newCustomerInput(), {
      headers: { 'x-correlation-id': correlationId },
    });
    expect(response.status, response.text).toBe(201);
    track(response.body.customer_id);

    // Then the response echoes it and the customer.created event carries it
    expect(response.headers.get('x-correlation-id')).toBe(correlationId);
    const [found] = await reader.find(from, ({ event }) => event.metadata.correlation_id === correlationId);
    expect(found!.event.type).toBe('customer.created');
    expect(found!.event.data).toMatchObject({
      customer_id: response.body.customer_id,
      address: response.body.address,
      version: 1,
    });
  });

  it('a request without X-Correlation-ID gets a generated one, also on errors', async () => {
    const ok = await get(`${CUSTOMER_URL}/health`);
    expect(ok.headers.get('x-correlation-id')).toMatch(/^\S{8,}$/);
    const bad = await post(`${CUSTOMER_URL}/customers`, {});
    expect(bad.headers.get('x-correlation-id')).toMatch(/^\S{8,}$/);
  });
});

describe('customer-service: operations endpoints', () => {
  it('GET /health → 200, GET /ready → 200 with its checks', async () => {
    const health = await get(`${CUSTOMER_URL}/health`);
    expect(health.status).toBe(200);
    const ready = await get(`${CUSTOMER_URL}/ready`);
    expect(ready.status, ready.text).toBe(200);
  });

  it('GET /metrics → Prometheus text with the documented series', async () => {
    const response = await get(`${CUSTOMER_URL}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    for (const name of [
      'customers_created_total',
      'customers_updated_total',
      'customers_deleted_total',
      'events_published_total',
      'event_publish_errors_total',
      'outbox_pending',
      'outbox_publish_lag_seconds',
      'http_request_duration_seconds',
      'process_resident_memory_bytes',
    ]) {
      expect(response.text, name).toContain(`# TYPE ${name} `);
    }
  });

  it('GET /docs serves Swagger UI and /docs/json documents every customer route', async () => {
    const ui = await get(`${CUSTOMER_URL}/docs`);
    expect(ui.status).toBeLessThan(400);
    const doc = await get<{ openapi: string; paths: Record<string, unknown> }>(`${CUSTOMER_URL}/docs/json`);
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    const paths = Object.keys(doc.body.paths);
    expect(paths).toContain('/customers');
    expect(paths).toContainEqual(expect.stringMatching(/^\/customers\/\{\w+\}$/));
    expect(paths).toContainEqual(expect.stringMatching(/^\/customers\/\{\w+\}\/address$/));
  });

  it('an unknown route → 404 JSON', async () => {
    const response = await get(`${CUSTOMER_URL}/no-such-route`);
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ error: 'not_found', message: expect.any(String) });
  });
});
