import { createHash, randomUUIDv7 } from 'node:crypto';
import type { CustomerCreateBatcher } from '../db/create-batcher.js';
import type { CustomerRepository } from '../db/customers.js';
import { decide, type ChangeAddress, type Customer, type DeleteCustomer } from '../domain/customer.js';
import type { Metrics } from '../metrics.js';
import { toOutboxEntry, type OutboxEntry } from '../outbox/encode.js';
import type { OutboxSignal } from '../outbox/signal.js';
import type { ChangeBatcher } from './change-batcher.js';
import { toView, type CustomerView } from './customer-view.js';

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

/**
 * What the routes call. Each command is decided by the domain (domain/customer.ts) on the
 * customer's current state, and the decision and its event are written in one statement; then
 * the relay is woken. Commands arriving together share statements (group commit): creates, keyed
 * or not (create-batcher.ts), and changes (change-batcher.ts).
 */
export function customerService(deps: {
  customers: Pick<CustomerRepository, 'find' | 'list'>;
  creates: CustomerCreateBatcher;
  changes: ChangeBatcher;
  metrics: Metrics;
  outbox: OutboxSignal;
}) {
  const { customers, creates, changes, metrics, outbox } = deps;

  function committed(context: Context, entry: OutboxEntry) {
    outbox.notify();
    context.log.debug({ event_id: entry.event_id, event_type: entry.event_type, customer_id: entry.customer_id }, 'change committed');
  }

  /** The change, decided on the customer's state and written in the next batch of changes (change-batcher.ts). */
  async function change(id: string, command: ChangeAddress | DeleteCustomer, context: Context): Promise<Customer | undefined> {
    const outcome = await changes.change(id, command, context.correlationId);
    if (outcome.kind === 'not_found') return undefined;
    committed(context, outcome.entry);
    return outcome.state;
  }

  return {
    /**
     * With an Idempotency-Key (unique within its scope: the route and the client), a retry gets the
     * stored customer and creates nothing, until the key expires.
     */
    async create(body: CreateCustomerInput, context: Context, idempotencyKey?: { scope: string; key: string }): Promise<CreateResult> {
      const input = { name: wellFormed(body.name), email: wellFormed(body.email), address: wellFormed(body.address) };
      const { state, event } = decide({
        type: 'create',
        // Time-ordered (UUIDv7): a new id goes to the right edge of the primary key's index, here
        // and in every replica, instead of a random page of an index that grows with the customers.
        id: randomUUIDv7(),
        name: input.name,
        email: input.email,
        address: input.address,
        at: new Date(),
      });
      const entry = toOutboxEntry(event, context.correlationId);
      const idempotency =
        idempotencyKey === undefined ? undefined : { ...idempotencyKey, requestHash: hashOf(input), response: toView(state) };
      const outcome = await creates.create(state, entry, idempotency);
      if (outcome.kind === 'email_taken') return { kind: 'email_taken' };
      if (outcome.kind === 'replay') {
        if (outcome.existing.requestHash !== idempotency?.requestHash) return { kind: 'key_reused' };
        return { kind: 'replayed', customer: outcome.existing.response as CustomerView };
      }
      metrics.customersCreated.inc();
      committed(context, entry);
      return { kind: 'created', customer: toView(state) };
    },

    async get(id: string): Promise<CustomerView | undefined> {
      const customer = await customers.find(id);
      return customer && toView(customer);
    },

    async list(after: string | undefined, limit: number): Promise<{ items: CustomerView[]; next: string | null }> {
      const page = await customers.list(after, limit);
      return { items: page.items.map(toView), next: page.next };
    },

    async updateAddress(id: string, address: string, context: Context): Promise<UpdateResult> {
      const customer = await change(id, { type: 'change_address', address: wellFormed(address), at: new Date() }, context);
      if (!customer) return { kind: 'not_found' };
      metrics.customersUpdated.inc();
      return { kind: 'updated', customer: toView(customer) };
    },

    async delete(id: string, context: Context): Promise<DeleteResult> {
      const customer = await change(id, { type: 'delete', at: new Date() }, context);
      if (!customer) return { kind: 'not_found' };
      metrics.customersDeleted.inc();
      return { kind: 'deleted' };
    },
  };
}

export type CustomerService = ReturnType<typeof customerService>;

/**
 * A string as UTF-8 can carry it: a lone surrogate (a JSON body may spell one, `"\\ud800"`) becomes
 * U+FFFD, as the database would store it anyway, so that the answer, the stored customer and the
 * event agree, and the batch's JSON is one PostgreSQL accepts (it refuses a lone surrogate).
 */
export function wellFormed(text: string): string {
  return (text as string & { toWellFormed(): string }).toWellFormed();
}

function hashOf(input: CreateCustomerInput): string {
  return createHash('sha256').update(JSON.stringify([input.name, input.email, input.address])).digest('hex');
}
