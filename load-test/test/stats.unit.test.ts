import { describe, expect, it } from 'vitest';
import { NumberLog, percentile, summarize } from '../src/stats.js';

describe('percentile', () => {
  it('takes the nearest rank of unsorted values', () => {
    // Given 1..100 shuffled
    const values = Array.from({ length: 100 }, (_, i) => ((i * 37) % 100) + 1);
    // When / Then
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 95)).toBe(95);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile(values, 0)).toBe(1);
  });

  it('handles one value and no value', () => {
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeUndefined();
  });

  it('sorts numerically, not as strings', () => {
    // Given values whose string order differs from their numeric order
    const values = [100, 9, 20, 3];
    // Then
    expect(percentile(values, 50)).toBe(9);
    expect(summarize(values)?.max).toBe(100);
  });
});

describe('summarize', () => {
  it('gives count, p50, p95, p99, max and mean', () => {
    // Given
    const log = new NumberLog();
    for (let i = 1; i <= 2000; i++) log.push(i);
    // When
    const summary = summarize(log.values());
    // Then
    expect(summary).toEqual({ count: 2000, p50: 1000, p95: 1900, p99: 1980, max: 2000, mean: 1000.5, maxAt: 1, slow: { overMs: 250, count: 1750 } });
  });

  it('tells where in the order they came the slowest one came, and how many were slower than the limit given', () => {
    // Given: 1,001 answers in the order they came, two slow ones, the slowest a tenth of the way through
    const values = Array.from({ length: 1001 }, () => 20);
    values[100] = 480;
    values[900] = 300;
    // When
    const summary = summarize(values, 250);
    // Then
    expect(summary?.max).toBe(480);
    expect(summary?.maxAt).toBeCloseTo(0.1, 5);
    expect(summary?.slow).toEqual({ overMs: 250, count: 2 });
    expect(summarize(values, 400)?.slow).toEqual({ overMs: 400, count: 1 });
  });
});
