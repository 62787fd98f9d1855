import { randomUUID } from 'node:crypto';
import { encodeEvent, SCHEMA_VERSION } from '@demo/contract';
import type { OutboxTable } from '../db/schema.js';
import type { CustomerChangeEvent } from '../domain/customer.js';

/** An outbox row to write with the change it reports: the event as the relay will publish it. */
export type OutboxEntry = Pick<
  OutboxTable,
  'event_id' | 'event_type' | 'customer_id' | 'version' | 'body' | 'correlation_id' | 'schema_version'
>;

/**
 * A decided event, encoded for the outbox: a new event id, the request's correlation id, and the
 * body exactly as the contract encodes it (the relay publishes it byte for byte).
 */
export function toOutboxEntry(event: CustomerChangeEvent, correlationId: string): OutboxEntry {
  const metadata = { event_id: randomUUID(), correlation_id: correlationId, schema_version: SCHEMA_VERSION };
  const encoded = encodeEvent({ ...event, metadata });
  return {
    event_id: metadata.event_id,
    event_type: event.type,
    customer_id: event.data.customer_id,
    version: event.data.version,
    body: encoded.body.toString('utf8'),
    correlation_id: metadata.correlation_id,
    schema_version: metadata.schema_version,
  };
}
