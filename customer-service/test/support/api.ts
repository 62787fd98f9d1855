import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { App } from '../../src/app.js';
import { bearer, TEST_TOKENS, useTestApp } from './app.js';

/** A valid create body, unique by a random part (the email above all). */
export function customerInput(label = 'c') {
  const id = randomUUID().slice(0, 12);
  return { name: `Name ${label} ${id}`, email: `${label}.${id}@example.com`, address: `Street ${id}` };
}

/** The customer API of a test file's own app (see useTestApp), called in process. */
export function useCustomerApi(options: Parameters<typeof useTestApp>[0] = {}) {
  const context = useTestApp(options);
  const http = () => context.app.http;
  return {
    get app() {
      return context.app;
    },
    get pool() {
      return context.pool;
    },
    get: (url: string) => http().inject({ method: 'GET', url }),
    /** GET with the reader's token (GET /customers). */
    getAsReader: (url: string) => http().inject({ method: 'GET', url, headers: bearer(TEST_TOKENS.reader) }),
    put: (url: string, payload: unknown) => http().inject({ method: 'PUT', url, payload: payload as object }),
    delete: (url: string, headers: Record<string, string> = {}) => http().inject({ method: 'DELETE', url, headers }),

    /** POST /customers with a JSON body (a string is sent as it is). */
    post(body: unknown, headers: Record<string, string> = {}) {
      return http().inject({
        method: 'POST',
        url: '/customers',
        payload: typeof body === 'string' ? body : JSON.stringify(body),
        headers: { 'content-type': 'application/json', ...headers },
      });
    },

    /** Creates a customer, expecting 201. */
    async create(input = customerInput()) {
      const response = await this.post(input);
      expect(response.statusCode).toBe(201);
      return response.json<{ customer_id: string; version: number; email: string; address: string }>();
    },

    /** Customers, their changes (sum of versions) and idempotency keys: bad input must change none. */
    async counts() {
      const result = await context.pool.query<{ customers: number; changes: number; keys: number }>(
        `SELECT (SELECT count(*)::int FROM customers) AS customers,
                (SELECT coalesce(sum(version), 0)::int FROM customers) AS changes,
                (SELECT count(*)::int FROM idempotency_keys) AS keys`,
      );
      return result.rows[0];
    },
  };
}

/** An error answer: its status, its code, a message, and never a stack trace. */
export function expectError(response: { statusCode: number; json: () => unknown }, status: number, code: string) {
  expect(response.statusCode).toBe(status);
  const body = response.json() as { error: string; message: string };
  expect(body.error).toBe(code);
  expect(typeof body.message).toBe('string');
  expect(JSON.stringify(body)).not.toMatch(/ at .*\.(js|ts):\d+/);
}

/** Creates customers and updates some of them, `parallel` requests at a time; returns the number of events. */
export async function makeBacklog(app: App, customers: number, updatesEach: number, parallel = 32): Promise<number> {
  const ids: string[] = [];
  for (let i = 0; i < customers; i += parallel) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(parallel, customers - i) }, () =>
        app.http.inject({ method: 'POST', url: '/customers', payload: customerInput('backlog') }),
      ),
    );
    for (const response of batch) {
      if (response.statusCode !== 201) throw new Error(`create answered ${response.statusCode}: ${response.body}`);
      ids.push(response.json<{ customer_id: string }>().customer_id);
    }
  }
  const updated = ids.slice(0, Math.floor(ids.length / 2));
  for (let round = 1; round <= updatesEach; round++) {
    for (let i = 0; i < updated.length; i += parallel) {
      await Promise.all(
        updated.slice(i, i + parallel).map((id) =>
          app.http.inject({ method: 'PUT', url: `/customers/${id}/address`, payload: { address: `Round ${round}` } }),
        ),
      );
    }
  }
  return ids.length + updated.length * updatesEach;
}
