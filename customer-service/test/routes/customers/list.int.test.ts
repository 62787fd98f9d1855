import { describe, expect, it } from 'vitest';
import { expectError, useCustomerApi } from '../../support/api.js';
import { bearer, TEST_TOKENS } from '../../support/app.js';

const api = useCustomerApi();

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
      const response = await api.getAsReader(`/customers${query}`);
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
    const response = await api.getAsReader('/customers');
    expect(response.statusCode).toBe(200);
    expect(response.json().items.length).toBeLessThanOrEqual(50);
  });

  it.each(['?limit=0', '?limit=501', '?limit=abc', '?after=nope', '?sort=name'])('answers 400 for %s', async (query) => {
    expectError(await api.getAsReader(`/customers${query}`), 400, 'validation_failed');
  });

  it('is a reader’s only: 401 without a token or with a wrong one, 403 with the operator’s, 200 with the reader’s', async () => {
    const inject = (headers: Record<string, string>) => api.app.http.inject({ url: '/customers?limit=1', headers });
    const missing = await inject({});
    expectError(missing, 401, 'unauthorized');
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="customer-service"');
    expectError(await inject(bearer('a-wrong-token-0123456789')), 401, 'unauthorized');
    expectError(await inject(bearer(TEST_TOKENS.operator)), 403, 'forbidden');
    expect((await inject(bearer(TEST_TOKENS.reader))).statusCode).toBe(200);
  });
});
