import { describe, expect, it } from 'vitest';
import { PackedIds } from '../src/packed-ids.js';
import { newModel } from '../src/phases/model.js';
import { idRanges } from '../src/verify.js';

/** A UUID whose text sorts by `tag` (a single letter); `high` sets its first word, to check the words are compared unsigned. */
const id = (tag: string, high = '00000000') => `${high}-0000-4000-8000-00000000000${tag}`;

/** A model whose customers have these ids, in request order ('' for a create never acknowledged). */
function modelOf(ids: string[]) {
  const model = newModel('r', ids.length);
  ids.forEach((value, i) => {
    if (value === '') return;
    model.ids.set(i, value);
    model.writes[i] = 1;
  });
  return model;
}

describe('idRanges', () => {
  it("merges customer_db's ids with the acknowledged ones in id order, once each, cut into ranges", () => {
    // Given customer_db's ids (ordered) and the model's acknowledged ids (in request order, one not acknowledged)
    const source = PackedIds.from([id('a'), id('c'), id('d'), id('f')]);
    const model = modelOf([id('d'), id('b'), '', id('a'), id('e'), id('f')]);
    // When
    const ranges = [...idRanges(source, model, 2)];
    // Then: -1 for an id only customer_db holds, else its index in the model
    expect(ranges).toEqual([
      [[id('a'), 3], [id('b'), 1]],
      [[id('c'), -1], [id('d'), 0]],
      [[id('e'), 4], [id('f'), 5]],
    ]);
  });

  it('orders ids as PostgreSQL does, a first word past 2^31 included', () => {
    const ids = [id('1', 'ffffffff'), id('2', '80000000'), id('3', '7fffffff'), id('4', '00000001')];
    const ranges = [...idRanges(new PackedIds(0), modelOf(ids), 10)];
    expect(ranges).toEqual([[[ids[3], 3], [ids[2], 2], [ids[1], 1], [ids[0], 0]]]);
  });

  it('yields nothing for an empty run and a short last range', () => {
    expect([...idRanges(new PackedIds(0), modelOf([]), 10)]).toEqual([]);
    expect([...idRanges(PackedIds.from([id('a'), id('b'), id('c')]), modelOf([]), 2)].map((range) => range.length)).toEqual([2, 1]);
  });
});
