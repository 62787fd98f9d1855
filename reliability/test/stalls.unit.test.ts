import { describe, expect, it } from 'vitest';
import { firstMoveAfter, longestStall, unreadiness, type Sample } from '../src/stalls.js';

/** Samples every 100 ms from t = 0 with these values. */
const series = (...values: Array<number | undefined>): Sample[] => values.map((value, i) => ({ at: i * 100, value }));

describe('longestStall', () => {
  it('is the longest time without a move that ends after the fault, from the last move before it', () => {
    // Given a counter that moves, stops at 300 ms, moves again at 900 ms, then stops briefly once more
    const samples = series(1, 2, 3, 4, 4, 4, 4, 4, 4, 5, 6, 6, 7);
    // When the fault struck at 450 ms
    const stall = longestStall(samples, 450);
    // Then
    expect(stall).toEqual({ from: 300, to: 900, ms: 600 });
  });

  it('ignores stalls that ended before the fault, and samples without a value', () => {
    const samples = series(1, 1, 1, 1, 2, undefined, 3, 4, 4, 5);
    expect(longestStall(samples, 500)).toEqual({ from: 400, to: 600, ms: 200 });
  });

  it('is open when the counter never moved again after the fault', () => {
    expect(longestStall(series(1, 2, 2, 2, 2), 150)).toEqual({ from: 100, to: undefined, ms: 300 });
  });

  it('is undefined with fewer than two values', () => {
    expect(longestStall(series(undefined, 1, undefined), 0)).toBeUndefined();
  });
});

describe('firstMoveAfter', () => {
  it('is the first sample after the time whose value passed the last one known at that time', () => {
    expect(firstMoveAfter(series(1, 2, 2, 2, 3), 150)).toBe(400);
    expect(firstMoveAfter(series(undefined, undefined, 5, 5, 6), 50)).toBe(400);
    expect(firstMoveAfter(series(1, 2, 2), 150)).toBeUndefined();
  });
});

describe('unreadiness', () => {
  it('adds up the time from each sample that found the service not ready to the next, from the time on', () => {
    const samples = [
      { at: 0, down: ['stream'] },
      { at: 100, down: [] },
      { at: 200, down: ['database'] },
      { at: 300, down: ['database', 'stream'] },
      { at: 450, down: [] },
      { at: 500, down: ['unreachable'] },
    ];
    expect(unreadiness(samples, 150)).toEqual({ ms: 250, down: ['database', 'stream'] });
  });
});
