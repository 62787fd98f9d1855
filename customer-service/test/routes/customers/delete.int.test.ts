import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { customerInput, expectError, useCustomerApi } from '../../support/api.js';

const api = useCustomerApi();

describe('DELETE /customers/:id', () => {
  it('answers 204, then GET and a second DELETE answer 404, and the email is free again', async () => {
    // Given
    const input = customerInput();
    const created = await api.create(input);
    // When
    const response = await api.delete(`/customers/${created.customer_id}`);
    // Then
    expect(response.statusCode).toBe(204);
    expect(response.body).toBe('');
    expectError(await api.get(`/customers/${created.customer_id}`), 404, 'not_found');
    expectError(await api.delete(`/customers/${created.customer_id}`), 404, 'not_found');
    expect((await api.post(input)).statusCode).toBe(201);
  });

  it('answers 204 to a DELETE that says content-type: application/json and carries no body, as many clients send it', async () => {
    // Given
    const created = await api.create(customerInput());
    // When
    const response = await api.delete(`/customers/${created.customer_id}`, { 'content-type': 'application/json', 'content-length': '0' });
    // Then
    expect(response.statusCode).toBe(204);
    expectError(await api.get(`/customers/${created.customer_id}`), 404, 'not_found');
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    expectError(await api.delete(`/customers/${randomUUID()}`), 404, 'not_found');
    expectError(await api.delete('/customers/xyz'), 400, 'validation_failed');
  });
});
