import { randomUUID } from 'node:crypto';
import { until } from '@demo/test-support';
import { describe, expect, it } from 'vitest';
import { customerInput, expectError, useCustomerApi } from './support/api.js';

const api = useCustomerApi();

describe('POST /customers', () => {
  it('creates a customer: 201 with version 1 and the email domain lower-cased', async () => {
    // Given
    const id = randomUUID().slice(0, 8);
    // When
    const response = await api.post({ name: 'Ann Example', email: `Ann.${id}@Example.COM`, address: 'Main Street 1' });
    // Then
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body).toEqual({
      customer_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'Ann Example',
      email: `Ann.${id}@example.com`,
      address: 'Main Street 1',
      version: 1,
      created_at: expect.any(String),
      updated_at: body.created_at,
    });
    const outbox = await api.pool.query('SELECT event_type, version FROM outbox WHERE customer_id = $1', [body.customer_id]);
    // the relay may already have published and removed it; if still there it is the created event
    for (const row of outbox.rows) expect(row).toEqual({ event_type: 'customer.created', version: 1 });
  });

  it.each([
    ['a missing field', { name: 'A', email: 'a@example.com' }],
    ['a wrong type', { name: 1, email: 'a@example.com', address: 'x' }],
    ['an empty string', { name: '', email: 'a@example.com', address: 'x' }],
    ['a blank string', { name: '   ', email: 'a@example.com', address: 'x' }],
    ['a string over 200 characters', { name: 'n'.repeat(201), email: 'a@example.com', address: 'x' }],
    ['an invalid email', { name: 'A', email: 'not-an-email', address: 'x' }],
    ['an unknown field', { name: 'A', email: 'a@example.com', address: 'x', admin: true }],
    ['an array body', [1, 2]],
  ])('answers 400 validation_failed for %s and changes nothing', async (_what, body) => {
    // Given
    const before = await api.counts();
    // When
    const response = await api.post(body);
    // Then
    expectError(response, 400, 'validation_failed');
    expect(await api.counts()).toEqual(before);
  });

  it('answers 400 invalid_json for a body that is not JSON', async () => {
    expectError(await api.post('{"name": "A",'), 400, 'invalid_json');
  });

  it('answers 413 payload_too_large for a body over 64 KiB', async () => {
    // Given
    const before = await api.counts();
    // When
    const response = await api.post({ name: 'A', email: 'big@example.com', address: 'x'.repeat(70_000) });
    // Then
    expectError(response, 413, 'payload_too_large');
    expect(await api.counts()).toEqual(before);
  });

  it('answers 409 email_taken when the email is used, whatever its case', async () => {
    // Given
    const first = await api.create();
    const before = await api.counts();
    // When
    const response = await api.post({ ...customerInput(), email: first.email.toUpperCase() });
    // Then
    expectError(response, 409, 'email_taken');
    expect(await api.counts()).toEqual(before);
  });

  it('returns the original response for a retry with the same Idempotency-Key and creates nothing', async () => {
    // Given
    const input = customerInput('idem');
    const key = randomUUID();
    const first = await api.post(input, { 'idempotency-key': key });
    expect(first.statusCode).toBe(201);
    const before = await api.counts();
    // When
    const retry = await api.post(input, { 'idempotency-key': key });
    // Then
    expect(retry.statusCode).toBe(201);
    expect(retry.json()).toEqual(first.json());
    expect(await api.counts()).toEqual(before);
  });

  it('answers 422 idempotency_key_reused for the same key with another body', async () => {
    // Given
    const key = randomUUID();
    expect((await api.post(customerInput('idem'), { 'idempotency-key': key })).statusCode).toBe(201);
    const before = await api.counts();
    // When
    const response = await api.post(customerInput('other'), { 'idempotency-key': key });
    // Then
    expectError(response, 422, 'idempotency_key_reused');
    expect(await api.counts()).toEqual(before);
  });

  it('echoes the X-Correlation-ID it was given, and generates one otherwise', async () => {
    const given = await api.post(customerInput(), { 'x-correlation-id': 'corr-abc-123' });
    expect(given.headers['x-correlation-id']).toBe('corr-abc-123');
    const generated = await api.post(customerInput());
    expect(generated.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('GET /customers/:id', () => {
  it('returns the customer', async () => {
    const created = await api.create();
    const response = await api.app.http.inject({ method: 'GET', url: `/customers/${created.customer_id}` });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(created);
  });

  it('answers 400 for a malformed id and 404 for an unknown one', async () => {
    expectError(await api.app.http.inject({ method: 'GET', url: '/customers/not-a-uuid' }), 400, 'validation_failed');
    expectError(await api.app.http.inject({ method: 'GET', url: `/customers/${randomUUID()}` }), 404, 'not_found');
  });
});

describe('GET /customers', () => {
  it('pages through every customer in id order with a cursor, ending with next null', async () => {
    // Given
    for (let i = 0; i < 5; i++) await api.create();
    const all = (await api.pool.query<{ id: string }>('SELECT id FROM customers WHERE deleted_at IS NULL ORDER BY id')).rows;
    // When
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const query: string = after ? `?limit=2&after=${after}` : '?limit=2';
      const response = await api.app.http.inject({ method: 'GET', url: `/customers${query}` });
      expect(response.statusCode).toBe(200);
      const page = response.json<{ items: Array<{ customer_id: string }>; next: string | null }>();
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((item) => item.customer_id));
      after = page.next;
      pages++;
    } while (after !== null && pages < 100);
    // Then
    expect(seen).toEqual(all.map((row) => row.id));
  });

  it('uses 50 as the default limit', async () => {
    const response = await api.app.http.inject({ method: 'GET', url: '/customers' });
    expect(response.statusCode).toBe(200);
    expect(response.json().items.length).toBeLessThanOrEqual(50);
  });

  it.each(['?limit=0', '?limit=501', '?limit=abc', '?after=nope', '?sort=name'])('answers 400 for %s', async (query) => {
    expectError(await api.app.http.inject({ method: 'GET', url: `/customers${query}` }), 400, 'validation_failed');
  });
});

describe('PUT /customers/:id/address', () => {
  it('changes the address and increments the version', async () => {
    // Given
    const created = await api.create();
    // When
    const response = await api.app.http.inject({
      method: 'PUT',
      url: `/customers/${created.customer_id}/address`,
      payload: { address: 'New Road 9' },
    });
    // Then
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ customer_id: created.customer_id, address: 'New Road 9', version: 2 });
  });

  it('answers 400 for a bad body or id and 404 for an unknown customer, changing nothing', async () => {
    const created = await api.create();
    const before = await api.counts();
    const put = (id: string, payload: unknown) =>
      api.app.http.inject({ method: 'PUT', url: `/customers/${id}/address`, payload: payload as object });
    expectError(await put(created.customer_id, { address: '' }), 400, 'validation_failed');
    expectError(await put(created.customer_id, { address: 7 }), 400, 'validation_failed');
    expectError(await put(created.customer_id, {}), 400, 'validation_failed');
    expectError(await put('123', { address: 'x' }), 400, 'validation_failed');
    expectError(await put(randomUUID(), { address: 'x' }), 404, 'not_found');
    expect(await api.counts()).toEqual(before);
    const unchanged = await api.app.http.inject({ method: 'GET', url: `/customers/${created.customer_id}` });
    expect(unchanged.json().version).toBe(1);
  });
});

describe('DELETE /customers/:id', () => {
  it('answers 204, then GET and a second DELETE answer 404, and the email is free again', async () => {
    // Given
    const input = customerInput();
    const created = await api.create(input);
    // When
    const response = await api.app.http.inject({ method: 'DELETE', url: `/customers/${created.customer_id}` });
    // Then
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    expectError(await api.app.http.inject({ method: 'GET', url: `/customers/${created.customer_id}` }), 404, 'not_found');
    expectError(await api.app.http.inject({ method: 'DELETE', url: `/customers/${created.customer_id}` }), 404, 'not_found');
    expect((await api.post(input)).statusCode).toBe(201);
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    expectError(await api.app.http.inject({ method: 'DELETE', url: `/customers/${randomUUID()}` }), 404, 'not_found');
    expectError(await api.app.http.inject({ method: 'DELETE', url: '/customers/xyz' }), 400, 'validation_failed');
  });
});

describe('operations endpoints', () => {
  it('GET /health answers 200 ok, with the relay role', async () => {
    const response = await api.app.http.inject({ method: 'GET', url: '/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok', relay: expect.stringMatching(/^(active|standby)$/) });
  });

  it('GET /ready answers 200 with both checks up (once the stream connection and the relay publisher are)', async () => {
    // The first connection to a fresh broker may still be declaring the stream: wait for it, bounded.
    await until(async () => (await api.app.http.inject({ method: 'GET', url: '/ready' })).statusCode === 200, 15_000, 'ready');
    const response = await api.app.http.inject({ method: 'GET', url: '/ready' });
    expect(response.statusCode).toBe(200);
    // The only relay on this test's database: the active one.
    expect(response.json()).toEqual({ status: 'ready', checks: { database: 'up', stream: 'up' }, relay: 'active' });
    expect(api.app.relay.canPublish).toBe(true);
  });

  it('GET /metrics shows every documented metric, and the counters move', async () => {
    // Given
    const metric = async (name: string) => {
      const text = (await api.app.http.inject({ method: 'GET', url: '/metrics' })).body;
      const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
      return line ? Number(line.split(' ').at(-1)) : Number.NaN;
    };
    const created = await metric('customers_created_total');
    const updated = await metric('customers_updated_total');
    const deleted = await metric('customers_deleted_total');
    // When
    const customer = await api.create();
    await api.app.http.inject({ method: 'PUT', url: `/customers/${customer.customer_id}/address`, payload: { address: 'Y' } });
    await api.app.http.inject({ method: 'DELETE', url: `/customers/${customer.customer_id}` });
    // Then
    expect(await metric('customers_created_total')).toBe(created + 1);
    expect(await metric('customers_updated_total')).toBe(updated + 1);
    expect(await metric('customers_deleted_total')).toBe(deleted + 1);
    const text = (await api.app.http.inject({ method: 'GET', url: '/metrics' })).body;
    for (const name of [
      'events_published_total',
      'event_publish_errors_total',
      'outbox_pending',
      'outbox_publish_lag_seconds_bucket',
      'method="POST",route="/customers",status_code="201"',
      'process_resident_memory_bytes',
    ]) {
      expect(text).toContain(name);
    }
  });

  it('GET /docs/json is the OpenAPI document of every route', async () => {
    const response = await api.app.http.inject({ method: 'GET', url: '/docs/json' });
    expect(response.statusCode).toBe(200);
    const paths = Object.keys(response.json().paths);
    expect(paths).toEqual(
      expect.arrayContaining(['/customers', '/customers/{id}', '/customers/{id}/address', '/health', '/ready']),
    );
    expect((await api.app.http.inject({ method: 'GET', url: '/docs' })).statusCode).toBeLessThan(400);
  });
});

describe('concurrent creates (they share statements: group commit)', () => {
  it('creates every distinct customer once and lets exactly one of a shared email through', async () => {
    // Given 40 distinct customers and 10 that share one email, in mixed case
    const shared = `shared.${randomUUID().slice(0, 8)}@example.com`;
    const distinct = Array.from({ length: 40 }, () => customerInput());
    const clashing = Array.from({ length: 10 }, (_, i) => ({
      ...customerInput(),
      email: i % 2 === 0 ? shared : shared.toUpperCase(),
    }));
    // When they all arrive at once
    const responses = await Promise.all([...distinct, ...clashing].map((input) => api.post(input)));
    // Then
    expect(responses.slice(0, 40).map((response) => response.statusCode)).toEqual(Array(40).fill(201));
    const clashStatuses = responses.slice(40).map((response) => response.statusCode).sort();
    expect(clashStatuses).toEqual([201, ...Array(9).fill(409)]);
    for (const response of responses.slice(40).filter((r) => r.statusCode === 409)) {
      expectError(response, 409, 'email_taken');
    }
    const ids = responses.filter((r) => r.statusCode === 201).map((r) => r.json<{ customer_id: string }>().customer_id);
    const stored = await api.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM customers WHERE id = ANY($1::uuid[]) AND version = 1',
      [ids],
    );
    expect(stored.rows[0]?.n).toBe(41);
    const live = await api.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM customers WHERE lower(email) = $1', [shared]);
    expect(live.rows[0]?.n).toBe(1);
  });
});

describe('concurrent retries with one Idempotency-Key', () => {
  it('creates one customer; the same body gets the same answer, another body 422', async () => {
    // Given one key, sent at once with the same body five times and with another body three times
    const key = `key-${randomUUID()}`;
    const input = customerInput('idem');
    const other = customerInput('idem-other');
    // When
    const responses = await Promise.all([
      ...Array.from({ length: 5 }, () => api.post(input, { 'idempotency-key': key })),
      ...Array.from({ length: 3 }, () => api.post(other, { 'idempotency-key': key })),
    ]);
    // Then every same-body request answers 201 with the one customer, whichever came first
    const statuses = responses.map((response) => response.statusCode);
    const sameBody = responses.slice(0, 5);
    const otherBody = responses.slice(5);
    const firstWasSame = statuses.slice(0, 5).includes(201) && otherBody.every((r) => r.statusCode === 422);
    const firstWasOther = otherBody.some((r) => r.statusCode === 201) && sameBody.every((r) => r.statusCode === 422);
    expect(firstWasSame || firstWasOther).toBe(true);
    const winners = responses.filter((response) => response.statusCode === 201);
    expect(new Set(winners.map((r) => r.json<{ customer_id: string }>().customer_id)).size).toBe(1);
    for (const loser of responses.filter((response) => response.statusCode !== 201)) {
      expectError(loser, 422, 'idempotency_key_reused');
    }
    const stored = await api.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM customers WHERE email IN ($1, $2)',
      [input.email, other.email],
    );
    expect(stored.rows[0]?.n).toBe(1);
  });

  it('releases a key whose create failed on a taken email, so nothing is stored for it', async () => {
    // Given a live customer
    const taken = await api.create();
    const key = `key-${randomUUID()}`;
    // When a keyed create reuses its email
    const response = await api.post({ ...customerInput(), email: taken.email }, { 'idempotency-key': key });
    // Then 409 and the key is free again
    expectError(response, 409, 'email_taken');
    const keys = await api.pool.query('SELECT 1 FROM idempotency_keys WHERE key = $1', [key]);
    expect(keys.rowCount).toBe(0);
  });
});

describe('NUL characters', () => {
  it('answers 400 invalid_encoding for a \\u0000 in a field (PostgreSQL text cannot hold one) and stores nothing', async () => {
    // Given
    const before = await api.counts();
    const body = JSON.stringify(customerInput()).replace('Street', 'Str\\u0000eet');
    // When
    const response = await api.post(body);
    // Then
    expectError(response, 400, 'invalid_encoding');
    expect(await api.counts()).toEqual(before);
  });
});
