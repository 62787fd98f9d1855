import type { CustomerEvent } from '@demo/contract';

/** One event as the stream delivered it: where it sits, and what it says. */
export interface PositionedEvent {
  offset: bigint;
  event: CustomerEvent;
}

/** What the replica keeps of a customer. */
export interface ReplicaRow {
  id: string;
  /** null only for a customer the fold has seen nothing but a deletion of. */
  address: string | null;
  version: number;
  deleted: boolean;
  /** The timestamp of the event that produced `version`. */
  updatedAt: string;
  /** The stream offset of that event. */
  lastEventOffset: bigint;
}

/**
 * The replica as a pure function of events: per customer, events apply in version order and an
 * event whose version is not above the current one changes nothing (duplicates, replays and
 * late arrivals are harmless). `customer.created` and `customer.address.updated` set the address,
 * `customer.deleted` marks the customer deleted and keeps the address; deletion is final.
 *
 * `base` holds rows already in the replica; it is not modified. The database applies the same
 * rule to a batch's result with `ON CONFLICT ... WHERE customers.version < excluded.version`.
 */
export function foldEvents(events: readonly PositionedEvent[], base?: ReadonlyMap<string, ReplicaRow>): Map<string, ReplicaRow> {
  const rows = new Map<string, ReplicaRow>(base);
  const ordered = [...events].sort(
    (a, b) => a.event.data.version - b.event.data.version || (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0),
  );
  for (const { offset, event } of ordered) {
    const id = event.data.customer_id;
    const current = rows.get(id);
    if (current && event.data.version <= current.version) continue;
    rows.set(id, applyEvent(current, event, offset));
  }
  return rows;
}

function applyEvent(current: ReplicaRow | undefined, event: CustomerEvent, offset: bigint): ReplicaRow {
  const next = {
    id: event.data.customer_id,
    version: event.data.version,
    updatedAt: event.data.timestamp,
    lastEventOffset: offset,
    deleted: current?.deleted ?? false,
    address: current?.address ?? null,
  };
  switch (event.type) {
    case 'customer.created':
    case 'customer.address.updated':
      return { ...next, address: event.data.address };
    case 'customer.deleted':
      return { ...next, deleted: true };
  }
}
