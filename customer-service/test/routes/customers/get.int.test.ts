import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { expectError, useCustomerApi } from '../../support/api.js';

const api = useCustomerApi();

describe('GET /customers/:id', () => {
  it('returns the customer', async () => {
    const created = await api.create();
    const response = await api.get(`/customers/${created.customer_id}`);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(created);
  });

  it('answers 400 for a malformed id and 404 for an unknown one', async () => {
    expectError(await api.get('/customers/not-a-uuid'), 400, 'validation_failed');
    expectError(await api.get(`/customers/${randomUUID()}`), 404, 'not_found');
  });
});
