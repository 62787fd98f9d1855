import { describe, expect, it } from 'vitest';
import { insertRateOf } from '../src/baselines/postgres-insert.js';
import { formatProgress } from '../src/progress.js';
import { chartSpecs } from '../src/report/charts.js';
import { renderMarkdown, renderSummary } from '../src/report/markdown.js';
import { evaluateTargets } from '../src/report/targets.js';
import type { LoadReport, PhaseReport } from '../src/report/types.js';

const phase = (perS: number): PhaseReport => ({
  requests: 1000,
  succeeded: 1000,
  failed: 0,
  retried: 2,
  seconds: 1000 / perS,
  perS,
  latencyMs: { count: 1000, p50: 3, p95: 8, p99: 12.5, max: 40, mean: 4, maxAt: 0.5, slow: { overMs: 250, count: 0 } },
  errorsByKind: { timeout: 2 },
});

function report(overrides: Partial<LoadReport> = {}): LoadReport {
  const base: LoadReport = {
    runId: 'r1',
    startedAt: '2025-01-01T00:00:00.000Z',
    settings: { n: 100_000, concurrency: 64, unknownShare: 0.1, updateShare: 0.2, orders: 2000, convergeTimeoutMs: 60_000 },
    create: phase(8000),
    update: phase(9000),
    orders: { ...phase(6000), byStatus: { Processing: 1800, Failed: 200 }, wrongStatus: 0 },
    convergence: { converged: true, afterLastWriteMs: 300, polls: 4 },
    verification: { ok: true, customers: 100_000, replicaRows: 100_000, digest: 'abc', replicaDigest: 'abc', notAsAcknowledged: [], unacknowledgedInSource: 0 },
    replicationLagMs: { p50: 20, p99: 180, observations: 120_000 },
    outboxPublishLagMs: { p50: 5, p99: 40, observations: 120_000 },
    memoryMb: { customer: { peakSampled: 150, highWaterMark: 160 }, 'order-1': { peakSampled: 120 } },
    baselines: { insert: { rows: 20_000, concurrency: 64, seconds: 2.5, rowsPerS: 8_000 } },
    rebuild: { measured: false, reason: 'no script' },
    ratios: { createVsInsert: 1 },
    createdVerified: { ok: true, seconds: 11, afterLastCreateMs: 200, problems: [] },
    totalSeconds: 40,
    targets: [],
    failures: [],
    timeline: [{ tS: 1, phase: 'create', createsPerS: 8000, updatesPerS: 0, ordersPerS: 0, replicationLagP99Ms: 100, rssMb: { customer: 140 } }],
    charts: ['load-x-throughput.svg'],
  };
  return { ...base, ...overrides };
}

describe('targets', () => {
  it('marks each goal pass, short or not measured', () => {
    // Given a run that meets every goal but the replay and bootstrap ones, which were not measured
    const marks = evaluateTargets(report()).map((t) => t.mark);
    // Then
    expect(marks).toEqual(['pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'not measured', 'not measured', 'pass']);
  });

  it('marks shortfalls: slow total, low ratios, slow requests, high lag, late convergence, big process', () => {
    const slow = (perS: number, p99: number, max: number): PhaseReport => ({ ...phase(perS), latencyMs: { count: 1000, p50: 3, p95: 8, p99, max, mean: 4, maxAt: 0.002, slow: { overMs: 250, count: max > 250 ? 3 : 0 } } });
    const targets = evaluateTargets(
      report({
        createdVerified: { ok: true, seconds: 12.1, problems: [] },
        ratios: { createVsInsert: 0.99 },
        create: slow(8000, 25.1, 40),
        update: slow(6399, 10, 250.1),
        orders: { ...slow(4999, 30.1, 40), byStatus: {}, wrongStatus: 0 },
        replicationLagMs: { p99: 251, observations: 1 },
        convergence: { converged: true, afterLastWriteMs: 1001, polls: 1 },
        memoryMb: { customer: { peakSampled: 201 } },
        rebuild: { measured: true, events: 100_000, seconds: 4, eventsPerS: 25_000 },
        bootstrap: { measured: true, customers: 100_000, seconds: 2, customersPerS: 50_000 },
      }),
    );
    expect(targets.map((t) => t.mark)).toEqual(Array(12).fill('short'));
    expect(targets.find((t) => t.name === 'update max latency')?.value).toBe('250.1 ms (3 over 250 ms; the slowest 0.2% of the way through the phase)');
  });

  it('scales the 12 s goal with N and never passes an unverified run', () => {
    const small = evaluateTargets(report({ settings: { ...report().settings, n: 5000 }, createdVerified: { ok: true, seconds: 0.6, problems: [] } }));
    expect(small[0]?.goal).toContain('0.6 s');
    expect(small[0]?.mark).toBe('pass');
    const wrong = evaluateTargets(report({ createdVerified: { ok: false, seconds: 1, problems: ['1 missing'] } }));
    expect(wrong[0]?.mark).toBe('short');
  });
});

describe('markdown report', () => {
  it('says PASSED, lists targets with marks, latencies, errors and the charts', () => {
    const r = report();
    r.targets = evaluateTargets(r);
    const md = renderMarkdown(r);
    expect(md).toContain('**PASSED**');
    expect(md).toContain('| create `POST /customers` | 1,000/1,000 | 8,000 | 3.0 | 8.0 | 12.5 | 40.0 | 2 | 0 | timeout ×2 |');
    expect(md).toContain('✅ pass');
    expect(md).toContain('➖ not measured');
    expect(md).toContain('![load-x-throughput.svg](load-x-throughput.svg)');
    expect(renderSummary(r)).toContain('8,000 req/s');
  });

  it('says FAILED with the failures and the first mismatching rows', () => {
    const r = report({
      failures: ['replica differs'],
      verification: {
        ...report().verification,
        ok: false,
        diff: { missing: 1, extra: 0, different: 0, first: [{ id: 'id-1', kind: 'missing in replica', source: { id: 'id-1', address: 'x', version: 2, deleted: false } }] },
      },
    });
    const md = renderMarkdown(r);
    expect(md).toContain('**FAILED**');
    expect(md).toContain('- replica differs');
    expect(md).toContain('| id-1 | missing in replica | x v2 |  |');
  });
});

describe('the raw insert measured before and after the phases', () => {
  const before = { rows: 20_000, concurrency: 64, seconds: 5, rowsPerS: 4_000 };
  const after = { rows: 20_000, concurrency: 64, seconds: 4, rowsPerS: 5_000 };

  it('divides by the mean of the two and measures the drift between them', () => {
    expect(insertRateOf({ insert: before, insertAfter: after })).toEqual({ rowsPerS: 4_500, drift: 0.25 });
    expect(insertRateOf({ insert: before })).toEqual({ rowsPerS: 4_000 });
    expect(insertRateOf({ insertAfter: after })).toEqual({ rowsPerS: 5_000 });
    expect(insertRateOf({})).toBeUndefined();
  });

  it('shows both measurements, their drift and the ratio against their mean', () => {
    // Given creates at 4,500/s between a raw insert of 4,000 rows/s and one of 5,000 rows/s
    const r = report({ create: phase(4_500), baselines: { insert: before, insertAfter: after }, ratios: { createVsInsert: 1 } });
    const target = evaluateTargets(r).find((t) => t.name === 'create throughput vs raw single-row insert')!;
    // Then the goal is judged against 4,500, and every place that shows the baseline says where it came from
    expect(target.value).toBe('4500 / 4500 = 1.00× (raw: the mean of 4000 before the phases and 5000 after)');
    expect(target.mark).toBe('pass');
    expect(renderSummary(r)).toContain('insert 4,500 rows/s (4,000 before the phases, 5,000 after: +25.0%)');
    expect(renderMarkdown(r)).toContain('| 4,500 rows/s (4,000 before the phases, 5,000 after: +25.0%) |');
  });
});

describe('charts and progress', () => {
  it('puts every finite per-second figure into the chart data, one series each', () => {
    const specs = chartSpecs(report().timeline);
    expect(specs.map((s) => s.name)).toEqual(['throughput', 'lag', 'memory']);
    const values = (specs[0]!.spec as { data: { values: Array<{ series: string; value: number }> } }).data.values;
    expect(values).toContainEqual({ t: 1, series: 'creates/s', value: 8000, phase: 'create' });
    const lag = (specs[1]!.spec as { data: { values: Array<{ series: string }> } }).data.values;
    expect(lag.map((v) => v.series)).toEqual(['replication lag p99']);
  });

  it('formats a progress line with rate and errors', () => {
    expect(formatProgress(12.3, { phase: 'create', done: 500, total: 1000, ratePerS: 250, errors: 1 })).toBe(
      '[load   12s] create    500/1000 (50%) 250/s errors 1',
    );
  });
});
