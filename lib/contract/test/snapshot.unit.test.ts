import { describe, expect, it } from 'vitest';
import { decodeSnapshotLine, encodeSnapshotLine } from '../src/snapshot.js';

describe('snapshot lines', () => {
  it('decode what encode writes: header, customer, end', () => {
    const customer = { customer_id: '7a8b1c2d-0000-4000-8000-000000000001', address: 'Street 1', version: 3, deleted: false, updated_at: '2026-12-02T00:00:00.000Z' };
    expect(decodeSnapshotLine(encodeSnapshotLine({ snapshot: { total: 2, taken_at: 'now' } }))).toEqual({ kind: 'header', total: 2 });
    expect(decodeSnapshotLine(encodeSnapshotLine(customer))).toEqual({ kind: 'customer', customer });
    expect(decodeSnapshotLine(encodeSnapshotLine({ end: { count: 2 } }))).toEqual({ kind: 'end', count: 2 });
  });

  it.each([
    ['not JSON', '{"customer_id": '],
    ['a malformed id', '{"customer_id":"42","address":"x","version":1,"deleted":false,"updated_at":"t"}'],
    ['a version 0', '{"customer_id":"7a8b1c2d-0000-4000-8000-000000000001","address":"x","version":0,"deleted":false,"updated_at":"t"}'],
    ['a missing field', '{"customer_id":"7a8b1c2d-0000-4000-8000-000000000001","version":1,"deleted":false,"updated_at":"t"}'],
    ['another object', '{"hello":"world"}'],
  ])('is invalid (never a throw) for %s', (_what, line) => {
    expect(decodeSnapshotLine(line).kind).toBe('invalid');
  });
});
