import type { CustomerAddressUpdated, CustomerCreated, CustomerDeleted } from '@demo/contract';

/** A customer as the service keeps it. A deleted customer keeps its row (its last version) with `deleted_at` set. */
export interface Customer {
  id: string;
  name: string;
  email: string;
  address: string;
  /** The customer's own change counter: 1 on create, +1 on every change (deletion included). */
  version: number;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

export type CreateCustomer = { type: 'create'; id: string; name: string; email: string; address: string; at: Date };
export type ChangeAddress = { type: 'change_address'; address: string; at: Date };
export type DeleteCustomer = { type: 'delete'; at: Date };
type CustomerCommand = CreateCustomer | ChangeAddress | DeleteCustomer;

/** An event as the domain decides it; its metadata (event id, correlation id) is added when it is stored. */
export type CustomerChangeEvent =
  | Omit<CustomerCreated, 'metadata'>
  | Omit<CustomerAddressUpdated, 'metadata'>
  | Omit<CustomerDeleted, 'metadata'>;

/** The next state of the customer and the one event that says what changed. */
export interface Decision {
  kind: 'decided';
  state: Customer;
  event: CustomerChangeEvent;
}

/** There is no live customer to change: never created, or deleted. */
export interface NotFound {
  kind: 'not_found';
}

/**
 * The customer's rules, without I/O: a command and the current state give the next state and the
 * event to append. This is the one place that sets a customer's version and an event's type;
 * what stores the decision writes them as they are. A create needs no state: its id is new.
 */
export function decide(command: CreateCustomer): Decision;
export function decide(command: ChangeAddress | DeleteCustomer, current: Customer | undefined): Decision | NotFound;
export function decide(command: CustomerCommand, current?: Customer): Decision | NotFound {
  if (command.type === 'create') return create(command);
  if (current === undefined || current.deleted_at !== null) return { kind: 'not_found' };
  const version = current.version + 1;
  const timestamp = command.at.toISOString();
  if (command.type === 'change_address') {
    return {
      kind: 'decided',
      state: { ...current, address: command.address, version, updated_at: command.at },
      // Key order is the body's field order on the stream.
      event: { type: 'customer.address.updated', data: { customer_id: current.id, address: command.address, version, timestamp } },
    };
  }
  return {
    kind: 'decided',
    state: { ...current, version, updated_at: command.at, deleted_at: command.at },
    event: { type: 'customer.deleted', data: { customer_id: current.id, version, timestamp } },
  };
}

function create(command: CreateCustomer): Decision {
  const state: Customer = {
    id: command.id,
    name: command.name,
    email: normaliseEmail(command.email),
    address: command.address,
    version: 1,
    created_at: command.at,
    updated_at: command.at,
    deleted_at: null,
  };
  return {
    kind: 'decided',
    state,
    event: {
      type: 'customer.created',
      data: {
        customer_id: state.id,
        name: state.name,
        email: state.email,
        address: state.address,
        version: state.version,
        timestamp: command.at.toISOString(),
      },
    },
  };
}

/**
 * The email as stored: the domain part is case-insensitive, so it is lower-cased; the local part
 * is kept as given (uniqueness is case-insensitive as a whole anyway, see the unique index).
 */
export function normaliseEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 0) return email;
  return `${email.slice(0, at)}@${email.slice(at + 1).toLowerCase()}`;
}
