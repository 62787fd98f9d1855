import { createHash, randomUUID } from 'node:crypto';
import { HttpError, conflict, notFound } from '@demo/service-kit';
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
    /** 201 with the customer; with an Idempotency-Key, a retry gets the stored response and creates nothing. */
    async create(
      input: CreateCustomerInput,
      context: Context,
      idempotencyKey?: string,
    ): Promise<{ status: number; body: unknown }> {
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
      if (outcome.kind === 'email_taken') throw conflict('email_taken', `email ${input.email} is already used`);
      if (outcome.kind === 'replay') {
        if (outcome.existing.requestHash !== idempotency?.requestHash) {
          throw new HttpError(422, 'idempotency_key_reused', 'this Idempotency-Key was used with another request body');
        }
        return { status: outcome.existing.status, body: outcome.existing.response };
      }
      metrics.customersCreated.inc();
      committed(context, event.eventId, event.type, record.id);
      return { status: 201, body: toView(record) };
    },

    async get(id: string): Promise<CustomerView> {
      const row = await customers.find(id);
      if (!row) throw notFound(`customer ${id} not found`);
      return toView(row);
    },

    async list(after: string | undefined, limit: number): Promise<{ items: CustomerView[]; next: string | null }> {
      const page = await customers.list(after, limit);
      return { items: page.items.map(toView), next: page.next };
    },

    async updateAddress(id: string, address: string, context: Context): Promise<CustomerView> {
      const timestamp = new Date();
      const event = customerAddressUpdated({ customerId: id, address, timestamp, correlationId: context.correlationId });
      const row = await customers.updateAddress(id, address, timestamp, event);
      if (!row) throw notFound(`customer ${id} not found`);
      metrics.customersUpdated.inc();
      committed(context, event.eventId, event.type, id);
      return toView(row);
    },

    async delete(id: string, context: Context): Promise<void> {
      const timestamp = new Date();
      const event = customerDeleted({ customerId: id, timestamp, correlationId: context.correlationId });
      const row = await customers.softDelete(id, timestamp, event);
      if (!row) throw notFound(`customer ${id} not found`);
      metrics.customersDeleted.inc();
      committed(context, event.eventId, event.type, id);
    },
  };
}

export type CustomerService = ReturnType<typeof customerService>;

function hashOf(input: CreateCustomerInput): string {
  return createHash('sha256').update(JSON.stringify([input.name, input.email, input.address])).digest('hex');
}
