import { describe, expect, it } from 'vitest';
import { diffHistograms, histogram, histogramQuantile, parsePrometheus, total } from '../src/prometheus.js';

const scrape = (counts: [number, number, number, number], sum: number, created = 10) => `
# HELP replication_lag_seconds event timestamp to replica commit
# TYPE replication_lag_seconds histogram
replication_lag_seconds_bucket{le="0.01",instance="order-1"} ${counts[0]}
replication_lag_seconds_bucket{le="0.1",instance="order-1"} ${counts[1]}
replication_lag_seconds_bucket{le="1",instance="order-1"} ${counts[2]}
replication_lag_seconds_bucket{le="+Inf",instance="order-1"} ${counts[3]}
replication_lag_seconds_sum{instance="order-1"} ${sum}
replication_lag_seconds_count{instance="order-1"} ${counts[3]}
customers_created_total ${created}
events_published_total{event_type="customer.created"} 4
events_published_total{event_type="customer.deleted"} 1
`;

describe('prometheus text', () => {
  it('reads counters with and without labels', () => {
    // Given
    const samples = parsePrometheus(scrape([0, 0, 0, 0], 0, 42));
    // Then
    expect(total(samples, 'customers_created_total')).toBe(42);
    expect(total(samples, 'events_published_total')).toBe(5);
    expect(total(samples, 'events_published_total', { event_type: 'customer.deleted' })).toBe(1);
    expect(total(samples, 'absent_total')).toBeUndefined();
  });

  it('interpolates quantiles inside buckets like histogram_quantile', () => {
    // Given 100 observations: 50 ≤ 10 ms, 40 in (10, 100] ms, 10 in (100 ms, 1 s]
    const h = histogram(parsePrometheus(scrape([50, 90, 100, 100], 5)), 'replication_lag_seconds');
    // When / Then
    expect(histogramQuantile(h, 0.5)).toBeCloseTo(0.01, 6);
    expect(histogramQuantile(h, 0.7)).toBeCloseTo(0.01 + 0.09 * (20 / 40), 6);
    expect(histogramQuantile(h, 0.99)).toBeCloseTo(0.1 + 0.9 * (9 / 10), 6);
  });

  it('answers the highest finite bound when the quantile falls in +Inf, nothing when empty', () => {
    const h = histogram(parsePrometheus(scrape([0, 0, 0, 10], 50)), 'replication_lag_seconds');
    expect(histogramQuantile(h, 0.5)).toBe(1);
    expect(histogramQuantile(histogram(parsePrometheus(scrape([0, 0, 0, 0], 0)), 'replication_lag_seconds'), 0.5)).toBeUndefined();
  });

  it('diffs two scrapes so that only the run’s observations count', () => {
    // Given 1000 fast observations before the run, then 10 slow ones during it
    const before = histogram(parsePrometheus(scrape([1000, 1000, 1000, 1000], 1)), 'replication_lag_seconds');
    const after = histogram(parsePrometheus(scrape([1000, 1000, 1010, 1010], 6)), 'replication_lag_seconds');
    // When
    const run = diffHistograms(after, before);
    // Then the run's p50 is in the slow bucket, not the fast one
    expect(run?.count).toBe(10);
    expect(histogramQuantile(run, 0.5)).toBeGreaterThan(0.1);
  });
});
