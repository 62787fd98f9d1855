/** Nearest-rank percentile of unsorted values (0 ≤ p ≤ 100); undefined for no values. */
export function percentile(values: ArrayLike<number>, p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = Float64Array.from(values as ArrayLike<number>).sort();
  return percentileOfSorted(sorted, p);
}

export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  if (p <= 0) return sorted[0];
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, rank) - 1];
}

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
  /** How far through the values, in the order they came (0 first, 1 last), the slowest one came: an outlier at the start is a warm-up. */
  maxAt: number;
  /** How many took longer than `slowMs` (the update goal's 250 ms unless told): one outlier, or a tail. */
  slow: { overMs: number; count: number };
}

/** `values` in the order they came (answers in the order they arrived). */
export function summarize(values: ArrayLike<number>, slowMs = 250): LatencySummary | undefined {
  if (values.length === 0) return undefined;
  let maxIndex = 0;
  let slow = 0;
  for (let i = 0; i < values.length; i++) {
    if (values[i]! > values[maxIndex]!) maxIndex = i;
    if (values[i]! > slowMs) slow++;
  }
  const sorted = Float64Array.from(values as ArrayLike<number>).sort();
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    count: sorted.length,
    p50: percentileOfSorted(sorted, 50)!,
    p95: percentileOfSorted(sorted, 95)!,
    p99: percentileOfSorted(sorted, 99)!,
    max: sorted[sorted.length - 1]!,
    mean: sum / sorted.length,
    maxAt: values.length > 1 ? maxIndex / (values.length - 1) : 0,
    slow: { overMs: slowMs, count: slow },
  };
}

/** A growable array of numbers without boxing (latencies of 100k requests). */
export class NumberLog {
  private data = new Float64Array(1024);
  length = 0;
  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }
  values(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}
