import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { expectError, useCustomerApi } from '../../support/api.js';

const api = useCustomerApi();

describe('PUT /customers/:id/address', () => {
  it('changes the address and increments the version', async () => {
    // Given
    const created = await api.create();
    // When
    const response = await api.put(`/customers/${created.customer_id}/address`, { address: 'New Road 9' });
    // Then
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ customer_id: created.customer_id, address: 'New Road 9', version: 2 });
  });

  it('answers 400 for a bad body or id and 404 for an unknown customer, changing nothing', async () => {
    const created = await api.create();
    const before = await api.counts();
    const put = (id: string, payload: unknown) => api.put(`/customers/${id}/address`, payload);
    expectError(await put(created.customer_id, { address: '' }), 400, 'validation_failed');
    expectError(await put(created.customer_id, { address: 7 }), 400, 'validation_failed');
    expectError(await put(created.customer_id, {}), 400, 'validation_failed');
    expectError(await put('123', { address: 'x' }), 400, 'validation_failed');
    expectError(await put(randomUUID(), { address: 'x' }), 404, 'not_found');
    expect(await api.counts()).toEqual(before);
    const unchanged = await api.get(`/customers/${created.customer_id}`);
    expect(unchanged.json().version).toBe(1);
  });
});
