import { createHash, randomUUID } from 'node:crypto';
import { normaliseEmail, toView, type CustomerRecord, type CustomerView } from '../domain/customer.js';
import { customerAddressUpdated, customerCreated, customerDeleted } from '../domain/events.js';
import type { CustomerCreateBatcher } from '../db/create-batcher.js';
import type { CustomerRepository } from '../db/customers.js';
import type { Metrics } from '../metrics.js';
import type { OutboxSignal } from '../outbox/signal.js';

export interface CreateCustomerInput {
  name: string;
  email: string;
  address: string;
}

/** What a create came to; `replayed`: a retry with the same Idempotency-Key and body, answered as the first time. */
export type CreateResult =
  | { kind: 'created'; customer: CustomerView }
  | { kind: 'replayed'; customer: CustomerView }
  | { kind: 'email_taken' }
  | { kind: 'key_reused' };

export type UpdateResult = { kind: 'updated'; customer: CustomerView } | { kind: 'not_found' };
export type DeleteResult = { kind: 'deleted' } | { kind: 'not_found' };

export interface Context {
  correlationId: string;
  log: { debug(details: object, message: string): void };
}

/** What the routes call: each change and its event in one transaction, then the relay is woken. */
export function customerService(deps: {
  customers: CustomerRepository;
  /** Creates without an Idempotency-Key share statements (group commit). */
  creates: CustomerCreateBatcher;
  metrics: Metrics;
  outbox: OutboxSignal;
}) {
  const { customers, creates, metrics, outbox } = deps;

  function committed(context: Context, eventId: string, eventType: string, customerId: string) {
    outbox.notify();
    context.log.debug({ event_id: eventId, event_type: eventType, customer_id: customerId }, 'change committed');
  }

  return {
    /** With an Idempotency-Key, a retry gets the stored customer and creates nothing. */
    async create(input: CreateCustomerInput, context: Context, idempotencyKey?: string): Promise<CreateResult> {
      const timestamp = new Date();
      const record: CustomerRecord = {
        id: randomUUID(),
        name: input.name,
        email: normaliseEmail(input.email),
        address: input.address,
        version: 1,
        created_at: timestamp,
        updated_at: timestamp,
      };
      const event = customerCreated({ ...record, customerId: record.id, timestamp, correlationId: context.correlationId });
      const newCustomer = { ...record, timestamp };
      const idempotency =
        idempotencyKey === undefined
          ? undefined
          : { key: idempotencyKey, requestHash: hashOf(input), response: toView(record) };
      const outcome = await creates.create(newCustomer, event, idempotency);
      if (outcome.kind === 'email_taken') return { kind: 'email_taken' };
      if (outcome.kind === 'replay') {
        if (outcome.existing.requestHash !== idempotency?.requestHash) return { kind: 'key_reused' };
        return { kind: 'replayed', customer: outcome.existing.response as CustomerView };
      }
      metrics.customersCreated.inc();
      committed(context, event.eventId, event.type, record.id);
      return { kind: 'created', customer: toView(record) };
    },

    async get(id: string): Promise<CustomerView | undefined> {
      const row = await customers.find(id);
      return row && toView(row);
    },

    async list(after: string | undefined, limit: number): Promise<{ items: CustomerView[]; next: string | null }> {
      const page = await customers.list(after, limit);
      return { items: page.items.map(toView), next: page.next };
    },

    async updateAddress(id: string, address: string, context: Context): Promise<UpdateResult> {
      const timestamp = new Date();
      const event = customerAddressUpdated({ customerId: id, address, timestamp, correlationId: context.correlationId });
      const row = await customers.updateAddress(id, address, timestamp, event);
      if (!row) return { kind: 'not_found' };
      metrics.customersUpdated.inc();
      committed(context, event.eventId, event.type, id);
      return { kind: 'updated', customer: toView(row) };
    },

    async delete(id: string, context: Context): Promise<DeleteResult> {
      const timestamp = new Date();
      const event = customerDeleted({ customerId: id, timestamp, correlationId: context.correlationId });
      const row = await customers.softDelete(id, timestamp, event);
      if (!row) return { kind: 'not_found' };
      metrics.customersDeleted.inc();
      committed(context, event.eventId, event.type, id);
      return { kind: 'deleted' };
    },
  };
}

export type CustomerService = ReturnType<typeof customerService>;

function hashOf(input: CreateCustomerInput): string {
  return createHash('sha256').update(JSON.stringify([input.name, input.email, input.address])).digest('hex');
}
