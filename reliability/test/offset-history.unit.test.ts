import { describe, expect, it } from 'vitest';
import { checkFence, checkPartitionFences, type OffsetMove } from '../src/verify/offset-history.js';

let seq = 0;
const move = (writer: string, from: number | null, to: number, generation = 1, stream = 'customer'): OffsetMove => ({
  seq: ++seq,
  writer,
  stream,
  from: from === null ? null : String(from),
  to: String(to),
  generation,
});

describe('checkFence', () => {
  it('passes a history where the victim applied, then only the successor, each move where the last ended', () => {
    const moves = [move('order-1', null, 9), move('order-1', 9, 19), move('order-2', 19, 40), move('order-2', 40, 41)];
    expect(checkFence(moves, 'order-1', 'order-2')).toEqual({ victimMovesBefore: 2, successorMoves: 2, victimMovesAfterTakeover: 0, problems: [] });
  });

  it('fails when the thawed victim moved the offset after the successor took over', () => {
    const moves = [move('order-1', 0, 9), move('order-2', 9, 19), move('order-1', 19, 25), move('order-2', 25, 30)];
    const check = checkFence(moves, 'order-1', 'order-2');
    expect(check.victimMovesAfterTakeover).toBe(1);
    expect(check.problems).toEqual([expect.stringMatching(/order-1 moved the offset 19 → 25 after order-2 took over/)]);
  });

  it('fails a move that does not start where the previous one ended (two writers past the fence)', () => {
    const moves = [move('order-1', 0, 9), move('order-2', 5, 19)];
    expect(checkFence(moves, 'order-1', 'order-2').problems).toEqual([expect.stringMatching(/started at 5, not where move #\d+ by order-1 ended \(9\)/)]);
  });

  it('fails a history that proves nothing: no victim move recorded, or no takeover', () => {
    expect(checkFence([move('order-2', 0, 5)], 'order-1', 'order-2').problems).toEqual([expect.stringMatching(/no move of the offset by order-1/)]);
    expect(checkFence([move('order-1', 0, 5)], 'order-1', 'order-2').problems).toEqual(['order-2 never moved the offset']);
  });

  it('fails a move by anyone else, and accepts a new generation starting afresh (a rebuild)', () => {
    const moves = [move('order-1', 0, 9), move('order-2', 9, 12), move('order-service rebuild', 12, 0, 2), move('order-2', null, 4, 3)];
    const problems = checkFence(moves, 'order-1', 'order-2').problems;
    expect(problems).toEqual([expect.stringMatching(/moved by order-service rebuild/)]);
  });
});

describe('checkPartitionFences', () => {
  const on = (stream: string, writer: string, from: number | null, to: number) => move(writer, from, to, 1, stream);

  it('passes when the frozen instance\'s partitions were taken over, and it continues one it got back after the thaw', () => {
    const moves = [on('c-0', 'order-1', null, 4), on('c-1', 'order-1', null, 7), on('c-2', 'order-2', null, 3), on('c-0', 'order-2', 4, 9), on('c-1', 'order-2', 7, 8)];
    const thawSeq = moves.at(-1)!.seq;
    moves.push(on('c-1', 'order-1', 8, 12), on('c-2', 'order-2', 3, 5));
    expect(checkPartitionFences(moves, 'order-1', ['c-0', 'c-1'], thawSeq)).toEqual({
      victimMovesBefore: 2,
      othersMoves: 2,
      victimMovesWhileFrozen: 0,
      victimMovesAfterThaw: 1,
      problems: [],
    });
  });

  it('names a move by the frozen instance after the takeover, a partition nobody took, and a move that skips or repeats', () => {
    const moves = [on('c-0', 'order-1', null, 4), on('c-0', 'order-2', 4, 9), on('c-0', 'order-1', 4, 6), on('c-1', 'order-1', null, 2)];
    const thawSeq = moves.at(-1)!.seq;
    moves.push(on('c-0', 'order-1', 12, 14));
    const check = checkPartitionFences(moves, 'order-1', ['c-0', 'c-1'], thawSeq);
    expect(check.victimMovesWhileFrozen).toBe(1);
    expect(check.problems).toEqual([
      expect.stringMatching(/order-1 moved the offset of c-0 4 → 6 after order-2 took it over/),
      expect.stringMatching(/started at 4, not where move #\d+ by order-2 ended \(9\)/),
      expect.stringMatching(/started at 12, not where move #\d+ by order-1 ended \(6\)/),
      'no other instance moved the offset of c-1 after order-1 froze',
    ]);
  });
});
