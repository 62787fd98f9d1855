/**
 * Messages that are not valid events, built to be parked by order-service. Pure: the reason each
 * must be parked under is what the contract's own decoder says about it.
 */
import { randomUUID } from 'node:crypto';
import { ANNOTATIONS, decodeEvent, SCHEMA_VERSION, type RejectReason } from '@demo/contract';

export interface PoisonMessage {
  name: string;
  /** Unique, found in the body (and as event_id when there is one). */
  marker: string;
  eventId: string | undefined;
  body: Buffer;
  annotations: Record<string, string | number>;
  expectedReason: RejectReason;
}

/** The contract's annotations, with any type and schema version (poison may carry unknown ones). */
function annotations(eventId: string, type: string, schemaVersion = SCHEMA_VERSION): Record<string, string | number> {
  return {
    [ANNOTATIONS.eventId]: eventId,
    [ANNOTATIONS.eventType]: type,
    [ANNOTATIONS.correlationId]: `reliability-${eventId}`,
    [ANNOTATIONS.schemaVersion]: schemaVersion,
  };
}

export function poisonMessages(customerId: string, hugeBytes = 900 * 1024): PoisonMessage[] {
  const now = new Date().toISOString();
  const build = (name: string, make: (marker: string, eventId: string) => { body: string | Buffer; annotations: Record<string, string | number> }, withId = true): PoisonMessage => {
    const marker = `poison-${name}-${randomUUID()}`;
    const eventId = randomUUID();
    const made = make(marker, eventId);
    const body = Buffer.isBuffer(made.body) ? made.body : Buffer.from(made.body);
    const decoded = decodeEvent(body, made.annotations);
    if (decoded.ok) throw new Error(`poison ${name} decodes as a valid event`);
    return { name, marker, eventId: withId ? eventId : undefined, body, annotations: made.annotations, expectedReason: decoded.reason };
  };
  return [
    build('not-json', (marker, id) => ({ body: `this is not JSON ${marker} {`, annotations: annotations(id, 'customer.created') })),
    build('binary-garbage', (marker, id) => ({ body: Buffer.concat([Buffer.from([0xff, 0x00, 0xfe]), Buffer.from(marker)]), annotations: annotations(id, 'customer.address.updated') })),
    build('unknown-type', (marker, id) => ({ body: JSON.stringify({ customer_id: customerId, version: 99, timestamp: now, note: marker }), annotations: annotations(id, 'customer.teleported') })),
    build('missing-fields', (marker, id) => ({ body: JSON.stringify({ customer_id: customerId, note: marker }), annotations: annotations(id, 'customer.address.updated') })),
    build('wrong-types', (marker, id) => ({ body: JSON.stringify({ customer_id: 'not-a-uuid', address: 42, version: 'one', timestamp: marker }), annotations: annotations(id, 'customer.address.updated') })),
    build('schema-version-2', (marker, id) => ({ body: JSON.stringify({ customer_id: customerId, address: marker, version: 99, timestamp: now }), annotations: annotations(id, 'customer.address.updated', SCHEMA_VERSION + 1) })),
    build('missing-metadata', (marker) => ({ body: JSON.stringify({ customer_id: customerId, address: marker, version: 99, timestamp: now }), annotations: {} }), false),
    build('huge-body', (marker, id) => ({
      body: JSON.stringify({ customer_id: customerId, address: `${marker} ${'x'.repeat(hugeBytes)}`, version: 99, timestamp: now }),
      annotations: annotations(id, 'customer.address.updated'),
    })),
  ];
}
