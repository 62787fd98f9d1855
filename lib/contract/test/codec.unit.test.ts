import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeEvent, encodeEvent, SCHEMA_VERSION, type CustomerEvent } from '../src/index.js';

const created = (): CustomerEvent => ({
  type: 'customer.created',
  data: {
    customer_id: randomUUID(),
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    address: '12 Analytical Row',
    version: 1,
    timestamp: new Date().toISOString(),
  },
  metadata: { event_id: randomUUID(), correlation_id: 'corr-1', schema_version: SCHEMA_VERSION },
});

describe('event codec', () => {
  it('round-trips an event through body and annotations', () => {
    // Given
    const event = created();
    // When
    const { body, annotations } = encodeEvent(event);
    const decoded = decodeEvent(body, annotations);
    // Then
    expect(annotations).toEqual({
      event_id: event.metadata.event_id,
      event_type: 'customer.created',
      correlation_id: 'corr-1',
      schema_version: SCHEMA_VERSION,
    });
    expect(JSON.parse(body.toString())).toEqual(event.data);
    expect(decoded).toEqual({ ok: true, event });
  });

  it.each([
    ['missing_metadata', Buffer.from('{}'), {}],
    ['unknown_type', Buffer.from('{}'), { event_id: 'e', event_type: 'customer.exploded' }],
    ['unsupported_schema_version', Buffer.from('{}'), { event_id: 'e', event_type: 'customer.deleted', schema_version: 2 }],
    ['unparseable_body', Buffer.from('{not json'), { event_id: 'e', event_type: 'customer.deleted' }],
    ['invalid_body', Buffer.from('{"customer_id":"x","version":1}'), { event_id: 'e', event_type: 'customer.deleted' }],
  ] as const)('rejects %s', (reason, body, annotations) => {
    const result = decodeEvent(body, annotations);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toBe(reason);
  });

  it('rejects a version below 1 and keeps the event id for the operator', () => {
    const event = created();
    const { annotations } = encodeEvent(event);
    const body = Buffer.from(JSON.stringify({ ...event.data, version: 0 }));
    const result = decodeEvent(body, annotations);
    expect(result).toMatchObject({ ok: false, reason: 'invalid_body', eventId: event.metadata.event_id });
  });
});
