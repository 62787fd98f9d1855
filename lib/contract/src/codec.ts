import { Compile } from 'typebox/compile';
import { EVENT_DATA_SCHEMAS, EVENT_TYPES, SCHEMA_VERSION } from './events.js';
import type { CustomerEvent, CustomerEventType, EventMetadata } from './events.js';

/** Message annotation keys: `event_id` and `event_type`, plus the correlation id and the schema version. */
export const ANNOTATIONS = {
  eventId: 'event_id',
  eventType: 'event_type',
  correlationId: 'correlation_id',
  schemaVersion: 'schema_version',
} as const;

export type EventAnnotations = Record<(typeof ANNOTATIONS)[keyof typeof ANNOTATIONS], string | number>;

/** What goes on the stream: a JSON body and the metadata as message annotations. */
export interface EncodedEvent {
  body: Buffer;
  annotations: EventAnnotations;
}

export function encodeEvent(event: CustomerEvent): EncodedEvent {
  return {
    body: Buffer.from(JSON.stringify(event.data)),
    annotations: annotationsOf(event.type, event.metadata),
  };
}

export function annotationsOf(type: CustomerEventType, metadata: EventMetadata): EventAnnotations {
  return {
    [ANNOTATIONS.eventId]: metadata.event_id,
    [ANNOTATIONS.eventType]: type,
    [ANNOTATIONS.correlationId]: metadata.correlation_id,
    [ANNOTATIONS.schemaVersion]: metadata.schema_version,
  };
}

/** Why a message is not a valid event: the consumer parks it under this reason. */
export type RejectReason =
  | 'missing_metadata'
  | 'unknown_type'
  | 'unsupported_schema_version'
  | 'unparseable_body'
  | 'invalid_body';

export type DecodeResult =
  | { ok: true; event: CustomerEvent }
  | { ok: false; reason: RejectReason; detail: string; eventId: string | undefined; eventType: string | undefined };

const validators = {
  'customer.created': Compile(EVENT_DATA_SCHEMAS['customer.created']),
  'customer.address.updated': Compile(EVENT_DATA_SCHEMAS['customer.address.updated']),
  'customer.deleted': Compile(EVENT_DATA_SCHEMAS['customer.deleted']),
};

function isEventType(value: unknown): value is CustomerEventType {
  return typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value);
}

/** Turns a stream message back into a typed event, or says precisely why it cannot. Never throws. */
export function decodeEvent(body: Buffer, annotations: Record<string, unknown> | undefined): DecodeResult {
  const eventId = asString(annotations?.[ANNOTATIONS.eventId]);
  const eventType = asString(annotations?.[ANNOTATIONS.eventType]);
  const reject = (reason: RejectReason, detail: string): DecodeResult => ({ ok: false, reason, detail, eventId, eventType });

  if (eventId === undefined || eventType === undefined) {
    return reject('missing_metadata', 'event_id and event_type annotations are required');
  }
  if (!isEventType(eventType)) return reject('unknown_type', `unknown event type "${eventType.slice(0, 100)}"`);
  const schemaVersion = Number(annotations?.[ANNOTATIONS.schemaVersion] ?? SCHEMA_VERSION);
  if (schemaVersion !== SCHEMA_VERSION) {
    return reject('unsupported_schema_version', `schema_version ${schemaVersion} is not ${SCHEMA_VERSION}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(body.toString('utf8'));
  } catch (error) {
    return reject('unparseable_body', `body is not JSON: ${(error as Error).message}`);
  }
  const validator = validators[eventType];
  if (!validator.Check(data)) {
    const first = validator.Errors(data)[0];
    return reject('invalid_body', first ? `${first.instancePath || '/'} ${first.message}` : 'body does not match the schema');
  }
  const metadata: EventMetadata = {
    event_id: eventId,
    correlation_id: asString(annotations?.[ANNOTATIONS.correlationId]) ?? eventId,
    schema_version: schemaVersion,
  };
  return { ok: true, event: { type: eventType, data, metadata } as CustomerEvent };
}

function asString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}
