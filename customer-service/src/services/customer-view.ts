import type { Customer } from '../domain/customer.js';
import type { Customer as CustomerView } from '../schemas/customer.js';

/** A customer as the API shows it (its schema: schemas/customer.ts), and as an Idempotency-Key's create stored it. */
export type { CustomerView };

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
