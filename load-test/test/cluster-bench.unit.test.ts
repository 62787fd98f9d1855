import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compare, describeRatio, renderComparison, type BenchRun } from '../src/cluster-bench/compare.js';
import { loadBenchConfig, runOrder } from '../src/cluster-bench/config.js';
import type { LoadReport, PhaseReport } from '../src/report/types.js';

const phase = (perS: number): PhaseReport => ({ requests: 1000, succeeded: 1000, failed: 0, retried: 0, seconds: 1000 / perS, perS, errorsByKind: {} });

function report(create: number, lagP99: number, publish: number, insert: number, failures: string[] = []): LoadReport {
  return {
    runId: 'r',
    startedAt: '2026-12-02T00:00:00.000Z',
    settings: { n: 20_000, concurrency: 64, unknownShare: 0.1, updateShare: 0.2, orders: 2000, convergeTimeoutMs: 60_000 },
    create: phase(create),
    update: phase(600),
    orders: { ...phase(400), byStatus: {}, wrongStatus: 0 },
    convergence: { converged: true, afterLastWriteMs: 20, polls: 1 },
    verification: { ok: true, customers: 20_000, replicaRows: 20_000, digest: 'd', replicaDigest: 'd', notAsAcknowledged: [], unacknowledgedInSource: 0 },
    replicationLagMs: { p50: 40, p99: lagP99, observations: 26_000 },
    outboxPublishLagMs: { p50: 30, observations: 26_000 },
    memoryMb: { customer: { peakSampled: 150 }, 'order-1': { peakSampled: 140 } },
    baselines: { insert: { rows: 20_000, concurrency: 64, seconds: 1, rowsPerS: insert }, stream: { messages: 1, bytesPerMessage: 200, publishSeconds: 1, publishPerS: publish, consumeSeconds: 1, consumePerS: 100_000 } },
    rebuild: { measured: false, reason: 'off' },
    ratios: {},
    createdVerified: { ok: true, seconds: 10, afterLastCreateMs: 30, problems: [] },
    totalSeconds: 20,
    targets: [],
    failures,
    timeline: [],
    charts: [],
  };
}

describe('the cluster benchmark comparison', () => {
  it('gives each 3-node figure as a ratio of the 1-node one', () => {
    // Given the same run on one node and on three
    const figures = compare([report(3000, 200, 120_000, 6000)], [report(2100, 640, 50_000, 5900)]);
    // Then
    const byName = Object.fromEntries(figures.map((f) => [f.name, f]));
    expect(byName['create throughput (POST /customers)']).toMatchObject({ one: 3000, three: 2100, oneRuns: [3000], threeRuns: [2100], ratio: 0.7, better: 'higher' });
    expect(byName['replication lag p99']).toMatchObject({ one: 200, three: 640, ratio: 3.2, better: 'lower' });
    expect(byName['raw stream publish with confirms (baseline)']!.ratio).toBeCloseTo(50_000 / 120_000);
    expect(byName['outbox publish lag p99']).toMatchObject({ one: undefined, three: undefined, ratio: undefined });
    expect(byName['peak RSS of a service']).toMatchObject({ one: 150, three: 150, ratio: 1 });
  });

  it('says in words which way a ratio goes, by whether more is better', () => {
    const [create] = compare([report(3000, 200, 1, 1)], [report(2100, 200, 1, 1)]);
    expect(describeRatio(create!)).toBe('0.70× (30% lower)');
    const lag = compare([report(3000, 200, 1, 1)], [report(3000, 640, 1, 1)]).find((f) => f.name === 'replication lag p99')!;
    expect(describeRatio(lag)).toBe('3.20× (3.2× longer)');
    const p50 = compare([report(3000, 200, 1, 1)], [report(3000, 200, 1, 1)]).find((f) => f.name.startsWith('outbox publish lag p50'))!;
    expect(describeRatio({ ...p50, ratio: 1.21 })).toBe('1.21× (21% longer)');
    const rss = compare([report(3000, 200, 1, 1)], [report(3000, 200, 1, 1)]).find((f) => f.unit === 'MB')!;
    expect(describeRatio({ ...rss, ratio: 1.02 })).toBe('1.02× (2% higher)');
  });

  it('averages the runs of each topology, and shows each run beside the mean', () => {
    const figures = compare([report(3000, 200, 1, 1), report(2000, 300, 1, 1)], [report(2100, 640, 1, 1), report(1900, 660, 1, 1)]);
    expect(figures[0]).toMatchObject({ one: 2500, three: 2000, oneRuns: [3000, 2000], threeRuns: [2100, 1900], ratio: 0.8 });
  });

  it('renders every run, its verdict and every figure', () => {
    const runs: BenchRun[] = [
      { label: '1-node #1', nodes: 1, broker: '1 node (bench)', report: report(3000, 200, 1, 1), reportFile: 'a.md' },
      { label: '3-node #1', nodes: 3, broker: '3 nodes (cluster)', report: report(2100, 640, 1, 1, ['2 creates failed']), reportFile: 'b.md' },
      { label: '3-node #2', nodes: 3, broker: '3 nodes (cluster)', report: report(2300, 600, 1, 1), reportFile: 'c.md' },
      { label: '1-node #2', nodes: 1, broker: '1 node (bench)', report: report(2800, 220, 1, 1), reportFile: 'd.md' },
    ];
    const text = renderComparison(runs, compare([runs[0]!.report, runs[3]!.report], [runs[1]!.report, runs[2]!.report]), '2026-12-02T00:00:00.000Z');
    expect(text).toContain('- 1-node #1: verified');
    expect(text).toContain('- 3-node #1: FAILED: 2 creates failed');
    expect(text).toContain('| create throughput (POST /customers) (req/s) | 2,900 (3,000, 2,800) | 2,200 (2,100, 2,300) | 0.76× (24% lower) |');
    expect(text).toContain('a.md, b.md, c.md, d.md');
  });

  it('runs the rounds 1 then 3, then 3 then 1, so that a drift weighs on both alike', () => {
    expect(runOrder(2).map((run) => `${run.nodes}#${run.round}`)).toEqual(['1#1', '3#1', '3#2', '1#2']);
    expect(runOrder(1).map((run) => run.nodes)).toEqual([1, 3]);
  });
});

describe('the cluster benchmark settings', () => {
  it('default to a 1-node set of its own and the tests\' cluster, on ports of their own', () => {
    const config = loadBenchConfig('/repo', {});
    expect(config).toMatchObject({
      n: 20_000,
      rounds: 2,
      single: { name: 'bench1', basePort: 8380, brokerName: 'bench', brokerNodes: 1, brokerPortOffset: 300 },
      cluster: { name: 'bench3', basePort: 8480, brokerName: 'cluster', brokerNodes: 3, brokerPortOffset: 100 },
      resultsDir: path.join('/repo', 'results'),
    });
  });

  it('refuse one set for both topologies, and a malformed one', () => {
    expect(() => loadBenchConfig('/repo', { BENCH_SINGLE_BROKER: 'x:300', BENCH_CLUSTER_BROKER: 'x:100' })).toThrow(/same broker set/);
    expect(() => loadBenchConfig('/repo', { BENCH_CLUSTER_BROKER: 'cluster' })).toThrow(/BENCH_CLUSTER_BROKER/);
  });
});
