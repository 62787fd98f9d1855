import { describe, expect, it } from 'vitest';
import { createOrderedBuffer } from '../src/ordered-buffer.js';

const at = (offset: number) => ({ offset: BigInt(offset) });
const offsets = (items: Array<{ offset: bigint }>) => items.map((item) => Number(item.offset));

describe('ordered buffer', () => {
  it('keeps messages sorted by offset when two chunks interleave, and one copy of a repeated offset', () => {
    // Given a buffer
    const buffer = createOrderedBuffer<{ offset: bigint }>();
    // When the messages of two chunks (0-4 and 5-9) arrive interleaved, one of them twice
    for (const offset of [0, 5, 1, 6, 2, 7, 3, 8, 4, 9, 7]) buffer.insert(at(offset));
    // Then they come out in offset order, once each
    expect(offsets(buffer.peek(100))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(buffer.length).toBe(10);
  });

  it('peeks without removing, drops from the front, and clears', () => {
    const buffer = createOrderedBuffer<{ offset: bigint }>();
    for (let offset = 10; offset < 20; offset++) buffer.insert(at(offset));
    expect(offsets(buffer.peek(3))).toEqual([10, 11, 12]);
    expect(buffer.length).toBe(10);
    buffer.drop(4);
    expect(Number(buffer.at(0)?.offset)).toBe(14);
    expect(Number(buffer.at(5)?.offset)).toBe(19);
    expect(buffer.at(6)).toBeUndefined();
    buffer.clear();
    expect(buffer.length).toBe(0);
  });
});
