import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { customerInput, expectError, useCustomerApi } from '../../support/api.js';

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

  it('stores a lone surrogate as U+FFFD, answers what it stored, and fails none of the creates written with it', async () => {
    // Given a keyed create whose name spells a lone surrogate (valid JSON, not storable text), and others beside it
    const input = customerInput('surrogate');
    const raw = JSON.stringify({ ...input, name: 'Lone ' }).replace('Lone ', 'Lone \\ud800');
    const others = Array.from({ length: 5 }, () => customerInput('beside'));
    // When they arrive together (one statement)
    const [response, ...besides] = await Promise.all([
      api.post(raw, { 'idempotency-key': `surrogate-${randomUUID()}` }),
      ...others.map((other) => api.post(other)),
    ]);
    // Then every one is created, and the answer, the stored row and the event say the same
    expect(response.statusCode).toBe(201);
    const body = response.json<{ customer_id: string; name: string }>();
    expect(body.name).toBe('Lone \ufffd');
    for (const other of besides) expect(other.statusCode).toBe(201);
    const stored = await api.pool.query<{ name: string }>('SELECT name FROM customers WHERE id = $1', [body.customer_id]);
    expect(stored.rows).toEqual([{ name: 'Lone \ufffd' }]);
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

  it('echoes the X-Correlation-ID it was given, and generates one otherwise', async () => {
    const given = await api.post(customerInput(), { 'x-correlation-id': 'corr-abc-123' });
    expect(given.headers['x-correlation-id']).toBe('corr-abc-123');
    const generated = await api.post(customerInput());
    expect(generated.headers['x-correlation-id']).toMatch(/^[0-9a-f-]{36}$/);
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
