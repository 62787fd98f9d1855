import { describe, expect, it } from 'vitest';
import { idRanges } from '../src/verify.js';

describe('idRanges', () => {
  it("merges customer_db's ids with the acknowledged ones in id order, once each, cut into ranges", () => {
    // Given customer_db's ids (ordered) and the model's acknowledged ids (in request order, one not acknowledged)
    const source = ['a', 'c', 'd', 'f'];
    const model = { ids: ['d', 'b', '', 'a', 'e', 'f'] };
    // When
    const ranges = [...idRanges(source, model, 2)];
    // Then: -1 for an id only customer_db holds, else its index in the model
    expect(ranges).toEqual([
      [['a', 3], ['b', 1]],
      [['c', -1], ['d', 0]],
      [['e', 4], ['f', 5]],
    ]);
  });

  it('yields nothing for an empty run and a short last range', () => {
    expect([...idRanges([], { ids: [] }, 10)]).toEqual([]);
    expect([...idRanges(['x', 'y', 'z'], { ids: [] }, 2)].map((range) => range.length)).toEqual([2, 1]);
  });
});
