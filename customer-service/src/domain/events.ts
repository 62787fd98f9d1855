import { randomUUID } from 'node:crypto';
import { encodeEvent, SCHEMA_VERSION, type CustomerEvent, type CustomerEventType } from '@demo/contract';

/**
 * An event whose body is known except for the customer's new version, which PostgreSQL assigns
 * in the same statement that writes the outbox row (one round trip per write). The body is
 * encoded by the contract's `encodeEvent`, with a placeholder version that is cut out:
 * `before + version + after` is exactly what `encodeEvent` gives for the real version.
 */
export interface PendingEvent {
  eventId: string;
  type: CustomerEventType;
  customerId: string;
  correlationId: string;
  schemaVersion: number;
  bodyBeforeVersion: string;
  bodyAfterVersion: string;
}

const VERSION_PLACEHOLDER = 987_654_321;
const MARKER = `"version":${VERSION_PLACEHOLDER}`;

function pending(event: CustomerEvent): PendingEvent {
  const text = encodeEvent(event).body.toString('utf8');
  const at = text.indexOf(MARKER);
  // Strings are JSON-escaped, so the unescaped marker can only be the version field itself.
  if (at < 0 || at !== text.lastIndexOf(MARKER)) throw new Error('event body has no single version field');
  const versionAt = at + MARKER.length - String(VERSION_PLACEHOLDER).length;
  return {
    eventId: event.metadata.event_id,
    type: event.type,
    customerId: event.data.customer_id,
    correlationId: event.metadata.correlation_id,
    schemaVersion: event.metadata.schema_version,
    bodyBeforeVersion: text.slice(0, versionAt),
    bodyAfterVersion: text.slice(at + MARKER.length),
  };
}

/** The body as published, once the version is known (PostgreSQL does the same concatenation). */
export function bodyWithVersion(event: PendingEvent, version: number): string {
  return `${event.bodyBeforeVersion}${version}${event.bodyAfterVersion}`;
}

function metadata(correlationId: string) {
  return { event_id: randomUUID(), correlation_id: correlationId, schema_version: SCHEMA_VERSION };
}

export function customerCreated(input: {
  customerId: string;
  name: string;
  email: string;
  address: string;
  timestamp: Date;
  correlationId: string;
}): PendingEvent {
  return pending({
    type: 'customer.created',
    data: {
      customer_id: input.customerId,
      name: input.name,
      email: input.email,
      address: input.address,
      version: VERSION_PLACEHOLDER,
      timestamp: input.timestamp.toISOString(),
    },
    metadata: metadata(input.correlationId),
  });
}

export function customerAddressUpdated(input: {
  customerId: string;
  address: string;
  timestamp: Date;
  correlationId: string;
}): PendingEvent {
  return pending({
    type: 'customer.address.updated',
    data: {
      customer_id: input.customerId,
      address: input.address,
      version: VERSION_PLACEHOLDER,
      timestamp: input.timestamp.toISOString(),
    },
    metadata: metadata(input.correlationId),
  });
}

export function customerDeleted(input: { customerId: string; timestamp: Date; correlationId: string }): PendingEvent {
  return pending({
    type: 'customer.deleted',
    data: { customer_id: input.customerId, version: VERSION_PLACEHOLDER, timestamp: input.timestamp.toISOString() },
    metadata: metadata(input.correlationId),
  });
}
