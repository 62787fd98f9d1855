import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { customerInput, useCustomerApi } from '../support/api.js';
import { capturedLog } from '../support/captured-log.js';

const log = capturedLog();
const api = useCustomerApi({ logger: log.logger });

describe('personal data in the log', () => {
  it('appears nowhere in the log of real requests, failed ones included, at every level', async () => {
    // Given customers whose data is easy to find in a log
    const tag = randomUUID().slice(0, 8);
    const alice = { name: `Alice Personal ${tag}`, email: `alice.${tag}@example.com`, address: `1 Secret Lane ${tag}` };
    const personal = [alice.name, alice.email, alice.address, `2 Hidden Road ${tag}`, `3 Refused Way ${tag}`, `Bob Quoted ${tag}`];
    // When every kind of request runs: creates, a retry, a refused email, bad JSON, a bad body, reads, updates
    const created = await api.post(alice, { 'idempotency-key': `k-${tag}` });
    expect(created.statusCode).toBe(201);
    const id = created.json<{ customer_id: string }>().customer_id;
    expect((await api.post(alice, { 'idempotency-key': `k-${tag}` })).statusCode).toBe(201);
    expect((await api.post({ ...alice, email: alice.email.toUpperCase() })).statusCode).toBe(409);
    expect((await api.post({ ...customerInput(), address: alice.address }, { 'idempotency-key': `k-${tag}` })).statusCode).toBe(422);
    expect((await api.post(`{"name": "Bob Quoted ${tag}", "email": oops}`)).statusCode).toBe(400);
    expect((await api.post({ ...alice, email: 'not an email', extra: alice.address })).statusCode).toBe(400);
    expect((await api.get(`/customers/${id}`)).statusCode).toBe(200);
    expect((await api.getAsReader('/customers?limit=500')).statusCode).toBe(200);
    expect((await api.put(`/customers/${id}/address`, { address: `2 Hidden Road ${tag}` })).statusCode).toBe(200);
    // and one the database refuses, whose error quotes the whole row
    await api.pool.query(`ALTER TABLE customers ADD CONSTRAINT test_refuse CHECK (address <> '3 Refused Way ${tag}')`);
    try {
      expect((await api.put(`/customers/${id}/address`, { address: `3 Refused Way ${tag}` })).statusCode).toBe(500);
    } finally {
      await api.pool.query('ALTER TABLE customers DROP CONSTRAINT test_refuse');
    }
    expect((await api.delete(`/customers/${id}`)).statusCode).toBe(204);
    // Then the requests were logged, the failure with its database error, and no personal data anywhere
    const lines = log.lines();
    expect(lines.filter((line) => line.msg === 'request completed').length).toBeGreaterThanOrEqual(11);
    const failure = lines.find((line) => line.msg === 'request failed') as { err: { code: string; detail: string } } | undefined;
    expect(failure?.err).toMatchObject({ code: '23514', detail: '[redacted]' });
    expect(lines.some((line) => line.error === 'email_taken')).toBe(true);
    const text = log.text();
    for (const value of personal) expect(text, value).not.toContain(value);
    expect(text.toLowerCase()).not.toContain(alice.email.toLowerCase());
  });

  it('does not echo the email in the 409 email_taken answer', async () => {
    const input = customerInput('echo');
    await api.create(input);
    const refused = await api.post({ ...customerInput('other'), email: input.email });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toBe('email_taken');
    expect(refused.body).not.toContain(input.email);
  });
});
