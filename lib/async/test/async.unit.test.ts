import { describe, expect, it } from 'vitest';
import { backoffDelay, errorMessage, sleep, withTimeout } from '../src/index.js';

describe('backoffDelay', () => {
  it('grows exponentially from initialMs, with jitter in the upper half, capped at maxMs', () => {
    for (let i = 0; i < 100; i++) {
      const first = backoffDelay(0, 100, 5_000);
      expect(first).toBeGreaterThanOrEqual(50);
      expect(first).toBeLessThanOrEqual(100);
      const third = backoffDelay(2, 100, 5_000);
      expect(third).toBeGreaterThanOrEqual(200);
      expect(third).toBeLessThanOrEqual(400);
      expect(backoffDelay(30, 100, 5_000)).toBeLessThanOrEqual(5_000);
      expect(backoffDelay(30, 100, 5_000)).toBeGreaterThanOrEqual(2_500);
    }
  });
});

describe('sleep', () => {
  it('ends early when its signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 20);
    await sleep(10_000, controller.signal);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('withTimeout', () => {
  it('passes a value through and rejects with a message naming what timed out', async () => {
    await expect(withTimeout(Promise.resolve(7), 1_000, 'fast')).resolves.toBe(7);
    await expect(withTimeout(new Promise(() => undefined), 20, 'the slow thing')).rejects.toThrow('the slow thing timed out after 20 ms');
  });
});

describe('errorMessage', () => {
  it('is the message of an Error and the string form of anything else', () => {
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage('plain')).toBe('plain');
    expect(errorMessage(42)).toBe('42');
  });
});
