import { encodeEvent, SCHEMA_VERSION } from '@demo/contract';
import { describe, expect, it } from 'vitest';
import { toOutboxEntry } from '../../src/outbox/encode.js';

const timestamp = '2026-01-02T03:04:05.678Z';
const customerId = '6f1c1f0e-8a53-4b1e-9d55-4d5c2a0f7d11';

describe('outbox entries of decided events', () => {
  it('carry the body the contract encodes, byte for byte, even when text fields look like other fields', () => {
    // Given
    const address = 'tricky "version":987654321, \\"version\\":987654321 \u2028 ü';
    const data = { customer_id: customerId, name: 'N', email: 'n@example.com', address, version: 42, timestamp };
    // When
    const entry = toOutboxEntry({ type: 'customer.created', data }, 'c-1');
    // Then
    const expected = encodeEvent({
      type: 'customer.created',
      data,
      metadata: { event_id: entry.event_id, correlation_id: 'c-1', schema_version: SCHEMA_VERSION },
    });
    expect(entry.body).toBe(expected.body.toString('utf8'));
    expect(entry).toEqual({
      event_id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/), // UUIDv7: time-ordered
      event_type: 'customer.created',
      customer_id: customerId,
      version: 42,
      body: entry.body,
      correlation_id: 'c-1',
      schema_version: SCHEMA_VERSION,
    });
  });

  it('work for address updates and deletions, each with an event id of its own', () => {
    // Given / When
    const updated = toOutboxEntry({ type: 'customer.address.updated', data: { customer_id: customerId, address: 'A', version: 7, timestamp } }, 'c');
    const deleted = toOutboxEntry({ type: 'customer.deleted', data: { customer_id: customerId, version: 3, timestamp } }, 'c');
    // Then
    expect(JSON.parse(updated.body)).toEqual({ customer_id: customerId, address: 'A', version: 7, timestamp });
    expect([updated.event_type, updated.version]).toEqual(['customer.address.updated', 7]);
    expect(JSON.parse(deleted.body)).toEqual({ customer_id: customerId, version: 3, timestamp });
    expect([deleted.event_type, deleted.version]).toEqual(['customer.deleted', 3]);
    expect(updated.event_id).not.toBe(deleted.event_id);
  });
});
