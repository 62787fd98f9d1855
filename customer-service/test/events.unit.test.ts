import { encodeEvent, SCHEMA_VERSION } from '@demo/contract';
import { describe, expect, it } from 'vitest';
import { normaliseEmail } from '../src/domain/customer.js';
import { bodyWithVersion, customerAddressUpdated, customerCreated, customerDeleted } from '../src/domain/events.js';

const timestamp = new Date('2026-01-02T03:04:05.678Z');
const customerId = '6f1c1f0e-8a53-4b1e-9d55-4d5c2a0f7d11';

describe('event bodies with the version filled in by PostgreSQL', () => {
  it('equal what the contract encodes, even when text fields look like the version field', () => {
    // Given
    const address = 'tricky "version":987654321, \\"version\\":987654321 \u2028 ü';
    const event = customerCreated({ customerId, name: 'N', email: 'n@example.com', address, timestamp, correlationId: 'c-1' });
    // When
    const body = bodyWithVersion(event, 42);
    // Then
    const expected = encodeEvent({
      type: 'customer.created',
      data: { customer_id: customerId, name: 'N', email: 'n@example.com', address, version: 42, timestamp: timestamp.toISOString() },
      metadata: { event_id: event.eventId, correlation_id: 'c-1', schema_version: SCHEMA_VERSION },
    });
    expect(body).toBe(expected.body.toString('utf8'));
    expect(event.type).toBe('customer.created');
  });

  it('work for address updates and deletions', () => {
    const updated = customerAddressUpdated({ customerId, address: 'A', timestamp, correlationId: 'c' });
    expect(JSON.parse(bodyWithVersion(updated, 7))).toEqual({
      customer_id: customerId,
      address: 'A',
      version: 7,
      timestamp: timestamp.toISOString(),
    });
    const deleted = customerDeleted({ customerId, timestamp, correlationId: 'c' });
    expect(JSON.parse(bodyWithVersion(deleted, 3))).toEqual({ customer_id: customerId, version: 3, timestamp: timestamp.toISOString() });
    expect(updated.eventId).not.toBe(deleted.eventId);
  });
});

describe('normaliseEmail', () => {
  it('lower-cases the domain and keeps the local part', () => {
    expect(normaliseEmail('Ann.Lee@Example.COM')).toBe('Ann.Lee@example.com');
  });
});
