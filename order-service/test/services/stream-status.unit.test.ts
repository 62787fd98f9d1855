import { describe, expect, it } from 'vitest';
import { lagOf } from '../../src/services/stream-status.js';

describe('lagOf', () => {
  it('counts the offsets from the stored one to the last message', () => {
    expect(lagOf(120n, 100n, 0n)).toBe(20n);
    expect(lagOf(120n, 120n, 0n)).toBe(0n);
  });

  it('is never negative (the stored offset may be ahead of what the last chunk read showed)', () => {
    expect(lagOf(120n, 125n, 0n)).toBe(0n);
  });

  it('with nothing applied, counts from the first retained offset; with no message, is 0', () => {
    expect(lagOf(120n, null, 0n)).toBe(121n);
    expect(lagOf(120n, null, 100n)).toBe(21n);
    expect(lagOf(null, 5n, 0n)).toBe(0n);
  });
});
