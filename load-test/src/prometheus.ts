/** Just enough of the Prometheus text format to read counters, gauges and histograms. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = LINE.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? '').matchAll(LABEL)) labels[label[1]!] = label[2]!.replace(/\\(.)/g, '$1');
    const raw = match[3]!;
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw);
    samples.push({ name: match[1]!, labels, value });
  }
  return samples;
}

/** Sum of every series of a counter or gauge (all label sets), undefined when absent. */
export function total(samples: readonly Sample[], name: string, where: Record<string, string> = {}): number | undefined {
  let sum: number | undefined;
  for (const sample of samples) {
    if (sample.name !== name) continue;
    if (!Object.entries(where).every(([key, value]) => sample.labels[key] === value)) continue;
    sum = (sum ?? 0) + sample.value;
  }
  return sum;
}

/** Cumulative buckets of a histogram (of the series with the labels of `where`, summed over every other label), sorted by bound. */
export interface Histogram {
  buckets: Array<{ le: number; count: number }>;
  count: number;
  sum: number;
}

export function histogram(samples: readonly Sample[], name: string, where: Record<string, string> = {}): Histogram | undefined {
  const byLe = new Map<number, number>();
  let count = 0;
  let sum = 0;
  let seen = false;
  for (const sample of samples) {
    if (!Object.entries(where).every(([key, value]) => sample.labels[key] === value)) continue;
    if (sample.name === `${name}_bucket`) {
      seen = true;
      const le = sample.labels.le === '+Inf' ? Infinity : Number(sample.labels.le);
      byLe.set(le, (byLe.get(le) ?? 0) + sample.value);
    } else if (sample.name === `${name}_count`) count += sample.value;
    else if (sample.name === `${name}_sum`) sum += sample.value;
  }
  if (!seen) return undefined;
  const buckets = [...byLe.entries()].map(([le, c]) => ({ le, count: c })).sort((a, b) => a.le - b.le);
  return { buckets, count, sum };
}

export function addHistograms(a: Histogram | undefined, b: Histogram | undefined): Histogram | undefined {
  if (!a) return b;
  if (!b) return a;
  const byLe = new Map<number, number>();
  for (const bucket of [...a.buckets, ...b.buckets]) byLe.set(bucket.le, (byLe.get(bucket.le) ?? 0) + bucket.count);
  return {
    buckets: [...byLe.entries()].map(([le, count]) => ({ le, count })).sort((x, y) => x.le - y.le),
    count: a.count + b.count,
    sum: a.sum + b.sum,
  };
}

/** after − before, bucket by bucket: what happened between two scrapes (a restart resets to `after`). */
export function diffHistograms(after: Histogram | undefined, before: Histogram | undefined): Histogram | undefined {
  if (!after) return undefined;
  if (!before || before.count > after.count) return after;
  const old = new Map(before.buckets.map((bucket) => [bucket.le, bucket.count]));
  return {
    buckets: after.buckets.map((bucket) => ({ le: bucket.le, count: bucket.count - (old.get(bucket.le) ?? 0) })),
    count: after.count - before.count,
    sum: after.sum - before.sum,
  };
}

/**
 * Quantile (0..1) of a cumulative histogram, interpolated linearly inside the bucket as
 * Prometheus's histogram_quantile does; the highest finite bound when it falls in +Inf.
 */
export function histogramQuantile(h: Histogram | undefined, q: number): number | undefined {
  if (!h || h.buckets.length === 0) return undefined;
  const totalCount = h.buckets[h.buckets.length - 1]!.count;
  if (totalCount <= 0) return undefined;
  const rank = q * totalCount;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const bucket of h.buckets) {
    if (bucket.count >= rank) {
      if (bucket.le === Infinity) return lowerBound;
      const inBucket = bucket.count - lowerCount;
      if (inBucket <= 0) return bucket.le;
      return lowerBound + (bucket.le - lowerBound) * ((rank - lowerCount) / inBucket);
    }
    lowerBound = bucket.le;
    lowerCount = bucket.count;
  }
  return lowerBound;
}
