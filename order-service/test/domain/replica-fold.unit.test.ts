import type { CustomerEvent } from '@demo/contract';
import { describe, expect, it } from 'vitest';
import { foldEvents, type PositionedEvent } from '../../src/domain/replica-fold.js';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const meta = { event_id: 'e', correlation_id: 'c', schema_version: 1 };
const at = (second: number) => `2026-01-01T00:00:${String(second).padStart(2, '0')}.000Z`;

function created(offset: number, id: string, version: number, address: string): PositionedEvent {
  const event: CustomerEvent = {
    type: 'customer.created',
    data: { customer_id: id, name: 'n', email: 'n@example.com', address, version, timestamp: at(version) },
    metadata: meta,
  };
  return { offset: BigInt(offset), event };
}
function updated(offset: number, id: string, version: number, address: string): PositionedEvent {
  return {
    offset: BigInt(offset),
    event: { type: 'customer.address.updated', data: { customer_id: id, address, version, timestamp: at(version) }, metadata: meta },
  };
}
function deleted(offset: number, id: string, version: number): PositionedEvent {
  return { offset: BigInt(offset), event: { type: 'customer.deleted', data: { customer_id: id, version, timestamp: at(version) }, metadata: meta } };
}

describe('replica fold', () => {
  it('applies events per customer in version order', () => {
    // Given
    const events = [created(0, A, 1, 'a1'), created(1, B, 1, 'b1'), updated(2, A, 2, 'a2'), updated(3, A, 3, 'a3')];
    // When
    const rows = foldEvents(events);
    // Then
    expect(rows.get(A)).toEqual({ id: A, address: 'a3', version: 3, deleted: false, updatedAt: at(3), lastEventOffset: 3n });
    expect(rows.get(B)).toMatchObject({ address: 'b1', version: 1, deleted: false });
  });

  it('gives the same result whatever order the events arrive in', () => {
    // Given
    const inOrder = [created(0, A, 1, 'a1'), updated(1, A, 2, 'a2'), updated(2, A, 3, 'a3')];
    const shuffled = [inOrder[2]!, inOrder[0]!, inOrder[1]!];
    // When / Then
    expect(foldEvents(shuffled)).toEqual(foldEvents(inOrder));
  });

  it('ignores duplicated and older versions', () => {
    // Given a base row at version 3
    const base = foldEvents([created(0, A, 1, 'a1'), updated(1, A, 3, 'a3')]);
    // When a duplicate and an older version arrive
    const rows = foldEvents([updated(5, A, 3, 'duplicate'), updated(6, A, 2, 'older'), created(7, A, 1, 'replayed')], base);
    // Then nothing changed
    expect(rows.get(A)).toEqual(base.get(A));
  });

  it('marks a deletion, keeps the address, and stays deleted', () => {
    // When
    const rows = foldEvents([created(0, A, 1, 'a1'), deleted(1, A, 2), updated(2, A, 3, 'late')]);
    // Then
    expect(rows.get(A)).toMatchObject({ deleted: true, version: 3, address: 'late' });
    expect(foldEvents([created(0, A, 1, 'a1'), deleted(1, A, 2)]).get(A)).toMatchObject({ deleted: true, address: 'a1', version: 2 });
  });

  it('keeps a deletion-only customer without an address', () => {
    expect(foldEvents([deleted(4, B, 2)]).get(B)).toMatchObject({ address: null, deleted: true, version: 2, lastEventOffset: 4n });
  });

  it('does not modify the base', () => {
    const base = foldEvents([created(0, A, 1, 'a1')]);
    foldEvents([updated(1, A, 2, 'a2')], base);
    expect(base.get(A)?.address).toBe('a1');
  });
});
