import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { until } from '@demo/test-support';
import { customerInput, expectError, useCustomerApi } from '../../support/api.js';
import { bearer, TEST_TOKENS } from '../../support/app.js';

const api = useCustomerApi({ env: { IDEMPOTENCY_CLEANUP_INTERVAL_MS: '1000' } });

/** Makes a stored key look `hours` old. */
async function age(key: string, hours: number) {
  await api.pool.query(`UPDATE idempotency_keys SET created_at = now() - make_interval(hours => $2) WHERE key = $1`, [key, hours]);
}

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

describe('whose Idempotency-Key, and for how long', () => {
  it('keeps each client’s keys apart: anonymous and a token holder may use the same key', async () => {
    // Given a key used without a token
    const key = `shared-${randomUUID()}`;
    const input = customerInput('anonymous');
    const anonymous = await api.post(input, { 'idempotency-key': key });
    expect(anonymous.statusCode).toBe(201);
    // When a client with a token uses the same key for another customer
    const reader = await api.post(customerInput('reader'), { 'idempotency-key': key, ...bearer(TEST_TOKENS.reader) });
    // Then it creates that customer, and the anonymous key still answers as it did
    expect(reader.statusCode).toBe(201);
    expect(reader.json().customer_id).not.toBe(anonymous.json().customer_id);
    const retry = await api.post(input, { 'idempotency-key': key });
    expect(retry.json()).toEqual(anonymous.json());
  });

  it('forgets a key after IDEMPOTENCY_KEY_TTL_HOURS: it creates again, another body included', async () => {
    // Given a key stored 25 hours ago (the time to live is 24)
    const key = `expiring-${randomUUID()}`;
    const first = await api.post(customerInput('first'), { 'idempotency-key': key });
    expect(first.statusCode).toBe(201);
    await age(key, 25);
    // When it comes again with another body
    const again = await api.post(customerInput('again'), { 'idempotency-key': key });
    // Then it is a new create (not 422), and the key now answers with the new customer
    expect(again.statusCode).toBe(201);
    expect(again.json().customer_id).not.toBe(first.json().customer_id);
    const stored = await api.pool.query<{ customer_id: string }>(`SELECT response->>'customer_id' AS customer_id FROM idempotency_keys WHERE key = $1`, [key]);
    expect(stored.rows).toEqual([{ customer_id: again.json().customer_id }]);
  });

  it('deletes expired keys while it runs, and keeps the others', async () => {
    // Given one expired key and one fresh key
    const [expired, fresh] = [`old-${randomUUID()}`, `new-${randomUUID()}`];
    expect((await api.post(customerInput(), { 'idempotency-key': expired })).statusCode).toBe(201);
    expect((await api.post(customerInput(), { 'idempotency-key': fresh })).statusCode).toBe(201);
    await age(expired, 25);
    // Then the service's own cleanup (every second here) deletes the expired one
    const keys = async () => (await api.pool.query<{ key: string }>('SELECT key FROM idempotency_keys WHERE key = ANY($1)', [[expired, fresh]])).rows;
    await until(async () => (await keys()).length === 1, 10_000, 'the expired key deleted');
    expect(await keys()).toEqual([{ key: fresh }]);
  });
});
