import { setImmediate as yieldToEvents } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createGcRecorder } from '../src/gc-pauses.js';

describe('createGcRecorder', () => {
  it('counts the collections of a window, and none outside it', async () => {
    const recorder = createGcRecorder();
    recorder.start();
    const from = Date.now();
    // Enough short-lived garbage for several young-generation collections.
    let keep = 0;
    for (let round = 0; round < 50; round++) {
      const garbage = Array.from({ length: 50_000 }, (_, k) => ({ k, text: `item ${k}` }));
      keep += garbage.length;
      await yieldToEvents();
    }
    await new Promise((resolve) => setTimeout(resolve, 50)); // the observer reports asynchronously
    const to = Date.now();
    recorder.stop();
    expect(keep).toBe(2_500_000);
    const during = recorder.between(from, to);
    expect(during.pauses).toBeGreaterThan(0);
    expect(during.totalMs).toBeGreaterThan(0);
    expect(during.longestMs).toBeLessThanOrEqual(during.totalMs);
    expect(during.major).toBeLessThanOrEqual(during.pauses);
    expect(recorder.between(from - 60_000, from - 30_000)).toEqual({ pauses: 0, major: 0, totalMs: 0, longestMs: 0 });
  });
});
