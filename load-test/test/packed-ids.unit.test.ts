import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PackedIds } from '../src/packed-ids.js';

describe('PackedIds', () => {
  it('gives back each id as PostgreSQL writes it (lower case)', () => {
    const ids = Array.from({ length: 200 }, () => randomUUID());
    const packed = PackedIds.from([...ids.slice(0, 100), ...ids.slice(100).map((id) => id.toUpperCase())]);
    expect(packed.toArray()).toEqual(ids);
    expect(packed.toArray([5, 0])).toEqual([ids[5], ids[0]]);
    expect([packed.at(-1), packed.at(200)]).toEqual([undefined, undefined]);
  });

  it("compares as the ids' text sorts", () => {
    const ids = Array.from({ length: 500 }, () => randomUUID());
    const packed = PackedIds.from(ids);
    const byWords = Array.from({ length: ids.length }, (_, k) => k).sort((x, y) => packed.compare(x, y)).map((k) => ids[k]);
    expect(byWords).toEqual([...ids].sort());
    expect(packed.compare(3, 3)).toBe(0);
  });

  it('refuses text that is not a UUID', () => {
    const packed = new PackedIds(1);
    expect(() => packed.set(0, 'not-a-uuid')).toThrow(/not a UUID/);
    expect(() => packed.set(0, `${randomUUID()}0`)).toThrow(/not a UUID/);
  });
});
