import { describe, expect, it } from 'vitest';
import { describeDifference, diffRows, type CustomerRow } from '../src/digest.js';

const row = (id: string, address = 'a', version = 1, deleted = false): CustomerRow => ({ id, address, version, deleted });

describe('diffRows', () => {
  it('finds nothing when both sides hold the same rows in any order', () => {
    const diff = diffRows([row('1'), row('2', 'b', 3)], [row('2', 'b', 3), row('1')]);
    expect(diff).toEqual({ missing: 0, extra: 0, different: 0, first: [] });
  });

  it('reports missing, extra and field differences in id order', () => {
    // Given
    const source = [row('a1'), row('b2', 'new', 2), row('c3'), row('d4', 'x', 1, true)];
    const replica = [row('b2', 'old', 1), row('c3'), row('d4', 'x', 1, false), row('e5')];
    // When
    const diff = diffRows(source, replica);
    // Then
    expect(diff.missing).toBe(1);
    expect(diff.extra).toBe(1);
    expect(diff.different).toBe(2);
    expect(diff.first.map((d) => [d.id, d.kind])).toEqual([
      ['a1', 'missing in replica'],
      ['b2', 'different'],
      ['d4', 'different'],
      ['e5', 'extra in replica'],
    ]);
    expect(diff.first[1]?.fields).toEqual(['address', 'version']);
    expect(diff.first[2]?.fields).toEqual(['deleted']);
    expect(describeDifference(diff.first[1]!)).toContain('address, version differ');
  });

  it('keeps the counts but lists only the first `limit` differences', () => {
    const source = Array.from({ length: 50 }, (_, i) => row(String(i).padStart(3, '0')));
    const diff = diffRows(source, [], 5);
    expect(diff.missing).toBe(50);
    expect(diff.first.map((d) => d.id)).toEqual(['000', '001', '002', '003', '004']);
  });
});
