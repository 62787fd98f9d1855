import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { customerInput, expectError, useCustomerApi } from '../../support/api.js';

const api = useCustomerApi();

describe('POST /customers with an Idempotency-Key', () => {
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
