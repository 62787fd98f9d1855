import type { Customer } from '../domain/customer.js';

/** A customer as the API shows it (and as an Idempotency-Key's first create stored it). */
export interface CustomerView {
  customer_id: string;
  name: string;
  email: string;
  address: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export function toView(customer: Customer): CustomerView {
  return {
    customer_id: customer.id,
    name: customer.name,
    email: customer.email,
    address: customer.address,
    version: customer.version,
    created_at: customer.created_at.toISOString(),
    updated_at: customer.updated_at.toISOString(),
  };
}
