import type { ColumnType, Generated, GeneratedAlways } from 'kysely';
import type { OrderStatus } from '../domain/order-status.js';

/** BIGINT columns come back as strings (see service-kit's type parser). */
type BigIntColumn = ColumnType<string, string | bigint, string | bigint>;

/** The replica: a fold of the customer stream. */
export interface CustomersTable {
  id: string;
  address: string | null;
  version: number;
  deleted: boolean;
  updated_at: ColumnType<Date, string | Date, string | Date>;
  last_event_offset: BigIntColumn;
}

export interface OrdersTable {
  id: string;
  customer_id: string;
  status: OrderStatus;
  created_at: Generated<Date>;
}

/** Where the applier is in the stream; `generation` changes on every rebuild. */
export interface ConsumerOffsetsTable {
  consumer_name: string;
  stream: string;
  last_offset: ColumnType<string | null, string | bigint | null, string | bigint | null>;
  generation: Generated<number>;
  updated_at: Generated<Date>;
  last_fingerprint: string | null;
  bootstrapping: Generated<boolean>;
  bootstrapped_from: ColumnType<string | null, string | bigint | null, string | bigint | null>;
}

/** Messages of the stream that are not valid events, kept for an operator. */
export interface ParkedEventsTable {
  /** The stream (or partition of a super stream) it was read from ('' for events parked before partitions existed). */
  stream: ColumnType<string, string | undefined, never>;
  stream_offset: BigIntColumn;
  event_id: string | null;
  event_type: string | null;
  reason: string;
  detail: string;
  /** The body as received, cut at PARKED_BODY_LIMIT bytes. */
  raw_body: Buffer;
  body_bytes: number;
  annotations: ColumnType<Record<string, unknown>, string, string>;
  parked_at: Generated<Date>;
  /** This parking's own identity (see 0003-parked-event-actions): audit rows point at it. */
  id: GeneratedAlways<string>;
  /** Set when an operator took it off the active list; null while it is parked. */
  resolution: ParkedEventResolution | null;
  resolved_at: Date | null;
  resolved_by: string | null;
}

export type ParkedEventResolution = 'retried' | 'discarded';
export type ParkedEventAction = 'retry' | 'discard';
/** applied: the replica changed; superseded: it already held this version or a newer one; failed: still parked. */
export type ParkedEventActionResult = 'applied' | 'superseded' | 'failed' | 'discarded';

/** Every operator action on a parked event: who, when, what came of it. */
export interface ParkedEventActionsTable {
  id: GeneratedAlways<string>;
  parked_id: BigIntColumn;
  stream_offset: BigIntColumn;
  action: ParkedEventAction;
  result: ParkedEventActionResult;
  operator: string;
  /** For a failed retry: why the event still cannot be applied. */
  reason: string | null;
  detail: string | null;
  acted_at: Generated<Date>;
}

export interface Database {
  customers: CustomersTable;
  orders: OrdersTable;
  consumer_offsets: ConsumerOffsetsTable;
  parked_events: ParkedEventsTable;
  parked_event_actions: ParkedEventActionsTable;
}
