import { describe, expect, it } from 'vitest';
import { createProgressWatchdog } from '../../src/consumer/progress-watchdog.js';

function clock() {
  let now = 0;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describe('progress watchdog', () => {
  it('fires when the applied offset stays put for the stall time while the stream grows', () => {
    // Given an instance that applied up to 100 of a stream at 100
    const time = clock();
    const watchdog = createProgressWatchdog(30_000, time.now);
    expect(watchdog.stalled(100n, 100n)).toBe(false);
    // When the stream grows and nothing is applied for 29 s, then 30 s
    time.advance(29_000);
    expect(watchdog.stalled(500n, 100n)).toBe(false);
    time.advance(1_000);
    // Then it fires
    expect(watchdog.stalled(800n, 100n)).toBe(true);
  });

  it('does not fire on an idle stream, even when its last chunk is past the applied offset', () => {
    const time = clock();
    const watchdog = createProgressWatchdog(30_000, time.now);
    watchdog.stalled(105n, 100n); // 105: an offset-tracking entry after the last message
    time.advance(120_000);
    expect(watchdog.stalled(105n, 100n)).toBe(false);
  });

  it("does not fire on the instance's own offset store after its last progress", () => {
    // Given an active instance that applied a burst up to 100, then the stream went quiet
    const time = clock();
    const watchdog = createProgressWatchdog(30_000, time.now);
    watchdog.stalled(100n, 100n);
    // When its offset store lands as a tracking entry 5 s later, and nothing else is written
    time.advance(5_000);
    expect(watchdog.stalled(120n, 100n)).toBe(false);
    time.advance(60_000);
    // Then it does not fire
    expect(watchdog.stalled(120n, 100n)).toBe(false);
    // But a stream that grows after that, while nothing is applied, still makes it fire
    time.advance(1_000);
    expect(watchdog.stalled(500n, 100n)).toBe(true);
  });

  it('starts over on progress and on reset', () => {
    const time = clock();
    const watchdog = createProgressWatchdog(30_000, time.now);
    watchdog.stalled(100n, 50n);
    time.advance(29_000);
    expect(watchdog.stalled(200n, 60n)).toBe(false); // progress
    time.advance(29_000);
    expect(watchdog.stalled(300n, 60n)).toBe(false);
    watchdog.reset();
    expect(watchdog.stalled(400n, 60n)).toBe(false); // the clock starts again here
    time.advance(29_000);
    expect(watchdog.stalled(450n, 60n)).toBe(false);
    time.advance(1_000);
    expect(watchdog.stalled(500n, 60n)).toBe(true);
  });
});
