import type { ColumnType, Generated } from 'kysely';

/** customer_db: the source of truth for customers, and the outbox of their events. */
export interface Database {
  customers: CustomersTable;
  outbox: OutboxTable;
  outbox_in_flight: OutboxInFlightTable;
  idempotency_keys: IdempotencyKeysTable;
}

export interface CustomersTable {
  id: string;
  name: string;
  email: string;
  address: string;
  /** The customer's own change counter, as domain/customer.ts decides it. */
  version: number;
  created_at: ColumnType<Date, Date | string, never>;
  updated_at: ColumnType<Date, Date | string, Date | string>;
  /** Soft delete: a deleted customer answers 404 and frees its email. */
  deleted_at: ColumnType<Date | null, Date | string | null, Date | string | null>;
}

export interface OutboxTable {
  /** Commit order is NOT id order: never publish with this id (see outbox/relay.ts). */
  id: Generated<string>;
  event_id: string;
  event_type: string;
  customer_id: string;
  version: number;
  /** The JSON body exactly as it is published (a resend is byte-identical). */
  body: string;
  correlation_id: string;
  schema_version: number;
  created_at: ColumnType<Date, Date | string | undefined, never>;
}

/**
 * One row: the batch the relay sends or last sent, recorded before the first send, so that a
 * resend after a crash carries the same publishing ids (strictly increasing per publisherRef) and
 * the broker drops the duplicates. The rows are deleted from the outbox once confirmed.
 */
export interface OutboxInFlightTable {
  singleton: Generated<boolean>;
  /** Outbox row ids, in publishing order. */
  ids: string[];
  /** The publishing id of each row in `ids`, at the same position. */
  publishing_ids: string[];
}

export interface IdempotencyKeysTable {
  /** Whose key it is: the route and the client (`POST /customers anonymous`); the key is unique within it. */
  scope: string;
  key: string;
  /** sha256 of the request body: the same key with another body is refused. */
  request_hash: string;
  status: number;
  response: ColumnType<unknown, string, string>;
  /** A key expires IDEMPOTENCY_KEY_TTL_HOURS after this: reusable, and deleted by the cleanup. */
  created_at: ColumnType<Date, Date | string | undefined, never>;
}
