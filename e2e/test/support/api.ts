import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { inject } from 'vitest';
import { AS_OPERATOR, CUSTOMER_URL } from './config.js';
import { describeResponse, get, post, put, del, type HttpResponse, type RequestOptions } from './http.js';

export interface Customer {
  customer_id: string;
  name: string;
  email: string;
  address: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface Order {
  order_id: string;
  customer_id: string;
  status: 'Processing' | 'Failed';
  created_at: string;
}

export interface ErrorBody {
  error: string;
  message: string;
}

export interface Readiness {
  status?: string;
  role?: 'active' | 'standby' | string;
  applied_offset?: number | string | null;
  [key: string]: unknown;
}

/** A unique email of this run (the suite can run again and again on the same databases). */
export function uniqueEmail(tag = 'c'): string {
  return `e2e-${inject('runId')}-${tag}-${randomUUID().slice(0, 8)}@example.com`;
}

export function newCustomerInput(overrides: Partial<{ name: string; email: string; address: string }> = {}) {
  return { name: 'E2E Customer', email: uniqueEmail(), address: `${randomUUID().slice(0, 8)} Main Street`, ...overrides };
}

/** Records a customer the suite created, for the final consistency check. */
export function track(customerId: string): void {
  appendFileSync(inject('createdCustomersFile'), `${customerId}\n`);
}

/** POST /customers that must succeed (201); the customer is tracked. */
export async function createCustomer(
  input: Partial<{ name: string; email: string; address: string }> = {},
  options?: RequestOptions,
): Promise<Customer> {
  const response = await post<Customer>(`${CUSTOMER_URL}/customers`, newCustomerInput(input), options);
  if (response.status !== 201) throw new Error(`POST /customers: expected 201, got ${describeResponse(response)}`);
  track(response.body.customer_id);
  return response.body;
}

/** PUT /customers/:id/address that must succeed (200). */
export async function updateAddress(customerId: string, address: string): Promise<Customer> {
  const response = await put<Customer>(`${CUSTOMER_URL}/customers/${customerId}/address`, { address });
  if (response.status !== 200) throw new Error(`PUT address: expected 200, got ${describeResponse(response)}`);
  return response.body;
}

/** DELETE /customers/:id that must succeed (204). */
export async function deleteCustomer(customerId: string): Promise<void> {
  const response = await del(`${CUSTOMER_URL}/customers/${customerId}`);
  if (response.status !== 204) throw new Error(`DELETE customer: expected 204, got ${describeResponse(response)}`);
}

export function placeOrder(orderUrl: string, customerId: string): Promise<HttpResponse<Order | ErrorBody>> {
  return post<Order | ErrorBody>(`${orderUrl}/orders`, { customer_id: customerId });
}

export function replicaOf(orderUrl: string, customerId: string) {
  return get<{ id: string; address: string; version: number; deleted: boolean }>(`${orderUrl}/replica/customers/${customerId}`, {
    headers: AS_OPERATOR,
  });
}

export async function readiness(url: string): Promise<HttpResponse<Readiness>> {
  return get<Readiness>(`${url}/ready`, { timeoutMs: 3_000 });
}
