import { describe, expect, it } from 'vitest';
import { decide, normaliseEmail, type Customer } from '../../src/domain/customer.js';

const id = '6f1c1f0e-8a53-4b1e-9d55-4d5c2a0f7d11';
const createdAt = new Date('2026-01-02T03:04:05.678Z');
const later = new Date('2026-01-03T10:00:00.001Z');

function created(): Customer {
  const decision = decide({ type: 'create', id, name: 'Ann Lee', email: 'Ann.Lee@Example.COM', address: 'Main Street 1', at: createdAt });
  return decision.state;
}

describe('decide: create', () => {
  it('gives a live customer at version 1 and the customer.created event carrying the same fields', () => {
    // Given a new id
    // When
    const decision = decide({ type: 'create', id, name: 'Ann Lee', email: 'Ann.Lee@Example.COM', address: 'Main Street 1', at: createdAt });
    // Then
    expect(decision.state).toEqual({
      id,
      name: 'Ann Lee',
      email: 'Ann.Lee@example.com',
      address: 'Main Street 1',
      version: 1,
      created_at: createdAt,
      updated_at: createdAt,
      deleted_at: null,
    });
    expect(decision.event).toEqual({
      type: 'customer.created',
      data: {
        customer_id: id,
        name: 'Ann Lee',
        email: 'Ann.Lee@example.com',
        address: 'Main Street 1',
        version: 1,
        timestamp: '2026-01-02T03:04:05.678Z',
      },
    });
  });

  it('orders the event fields as the stream body shows them', () => {
    // Given / When
    const { event } = decide({ type: 'create', id, name: 'N', email: 'n@example.com', address: 'A', at: createdAt });
    // Then
    expect(Object.keys(event.data)).toEqual(['customer_id', 'name', 'email', 'address', 'version', 'timestamp']);
  });
});

describe('decide: change address', () => {
  it('gives the next version with the new address and the customer.address.updated event', () => {
    // Given a customer at version 1
    const current = created();
    // When
    const decision = decide({ type: 'change_address', address: 'New Road 9', at: later }, current);
    // Then
    expect(decision).toEqual({
      kind: 'decided',
      state: { ...current, address: 'New Road 9', version: 2, updated_at: later },
      event: {
        type: 'customer.address.updated',
        data: { customer_id: id, address: 'New Road 9', version: 2, timestamp: later.toISOString() },
      },
    });
  });

  it('counts on from whatever version the customer is at', () => {
    // Given a customer at version 7
    const current = { ...created(), version: 7 };
    // When
    const decision = decide({ type: 'change_address', address: 'X', at: later }, current);
    // Then
    expect(decision.kind === 'decided' && [decision.state.version, decision.event.data.version]).toEqual([8, 8]);
  });

  it('finds no customer to change when there is none', () => {
    // Given no customer / When / Then
    expect(decide({ type: 'change_address', address: 'X', at: later }, undefined)).toEqual({ kind: 'not_found' });
  });
});

describe('decide: delete', () => {
  it('gives the next version, marked deleted, and the customer.deleted event', () => {
    // Given a customer at version 2
    const current = { ...created(), version: 2 };
    // When
    const decision = decide({ type: 'delete', at: later }, current);
    // Then
    expect(decision).toEqual({
      kind: 'decided',
      state: { ...current, version: 3, updated_at: later, deleted_at: later },
      event: { type: 'customer.deleted', data: { customer_id: id, version: 3, timestamp: later.toISOString() } },
    });
  });

  it('finds no customer to change once it is deleted: neither a second delete nor an address change', () => {
    // Given a deleted customer
    const deletion = decide({ type: 'delete', at: later }, created());
    expect(deletion.kind).toBe('decided');
    const deleted = deletion.kind === 'decided' ? deletion.state : undefined;
    // When / Then
    expect(decide({ type: 'delete', at: later }, deleted)).toEqual({ kind: 'not_found' });
    expect(decide({ type: 'change_address', address: 'X', at: later }, deleted)).toEqual({ kind: 'not_found' });
  });

  it('finds no customer to delete when there is none', () => {
    expect(decide({ type: 'delete', at: later }, undefined)).toEqual({ kind: 'not_found' });
  });
});

describe('normaliseEmail', () => {
  it('lower-cases the domain and keeps the local part', () => {
    expect(normaliseEmail('Ann.Lee@Example.COM')).toBe('Ann.Lee@example.com');
  });
});
