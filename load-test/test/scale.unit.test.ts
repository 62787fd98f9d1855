import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { latestReport } from '../src/report/history.js';
import { renderMarkdown, renderSummary } from '../src/report/markdown.js';
import { scaleCurve } from '../src/report/scale.js';
import type { LoadReport } from '../src/report/types.js';

/** The figures a scale curve reads, of a run of `n` customers. */
function run(n: number, figures: { createPerS: number; lagP99: number; rss: Record<string, number>; convergedMs?: number }): LoadReport {
  return {
    settings: { n },
    create: { perS: figures.createPerS },
    replicationLagMs: { p99: figures.lagP99 },
    memoryMb: Object.fromEntries(Object.entries(figures.rss).map(([name, mb]) => [name, { peakSampled: mb }])),
    convergence: figures.convergedMs === undefined ? { converged: false, polls: 9 } : { converged: true, afterLastWriteMs: figures.convergedMs, polls: 3 },
  } as unknown as LoadReport;
}

const small = run(100_000, { createPerS: 4_000, lagP99: 100, rss: { customer: 150, 'order-1': 170 }, convergedMs: 60 });
const large = run(1_000_000, { createPerS: 3_400, lagP99: 150, rss: { customer: 160, 'order-1': 210 }, convergedMs: 290 });

describe('scaleCurve', () => {
  it('puts the smaller N first and gives larger / smaller of each figure, whichever ran first', () => {
    // Given the 1M run right after the 100k one (and the other way round)
    for (const curve of [scaleCurve(large, { file: 'load-a.json', report: small }), scaleCurve(small, { file: 'load-b.json', report: large })]) {
      // Then
      expect(curve).toBeDefined();
      expect(curve!.small).toMatchObject({ n: 100_000, createPerS: 4_000, peakRssMb: 170 });
      expect(curve!.large).toMatchObject({ n: 1_000_000, createPerS: 3_400, peakRssMb: 210, convergedMs: 290 });
      expect(curve!.ratios.createPerS).toBeCloseTo(0.85);
      expect(curve!.ratios.lagP99Ms).toBeCloseTo(1.5);
      expect(curve!.ratios.peakRssMb).toBeCloseTo(210 / 170);
    }
  });

  it('judges the goals at the larger N: throughput ratio ≥ 0.9, each service ≤ 200 MB, converged ≤ 1 s', () => {
    const short = scaleCurve(large, { file: 'load-a.json', report: small })!;
    expect(short.goals.map((g) => g.met)).toEqual([false, false, true]);
    const met = scaleCurve(run(1_000_000, { createPerS: 3_900, lagP99: 90, rss: { customer: 180, 'order-1': 195 }, convergedMs: 400 }), {
      file: 'load-a.json',
      report: small,
    })!;
    expect(met.goals.map((g) => g.met)).toEqual([true, true, true]);
    const unconverged = scaleCurve(run(1_000_000, { createPerS: 3_900, lagP99: 90, rss: { customer: 180 } }), { file: 'load-a.json', report: small })!;
    expect(unconverged.goals[2]).toMatchObject({ value: '—', met: undefined });
  });

  it('draws no curve from a run of the same N, or from none', () => {
    expect(scaleCurve(small, { file: 'load-a.json', report: run(100_000, { createPerS: 1, lagP99: 1, rss: {} }) })).toBeUndefined();
    expect(scaleCurve(small, undefined)).toBeUndefined();
  });

  it('shows both ends, the ratios and the goals in the markdown report and the printed summary', () => {
    const report = {
      ...large,
      runId: 'r',
      startedAt: 'now',
      settings: { n: 1_000_000, concurrency: 64, unknownShare: 0.1, updateShare: 0.2, orders: 0, convergeTimeoutMs: 1 },
      create: { ...large.create, requests: 1, succeeded: 1, errorsByKind: {} },
      update: { errorsByKind: {} },
      orders: { byStatus: {}, wrongStatus: 0, errorsByKind: {} },
      verification: { ok: true, customers: 1, replicaRows: 1, digest: 'd', replicaDigest: 'd', notAsAcknowledged: [], unacknowledgedInSource: 0 },
      outboxPublishLagMs: { observations: 0 },
      baselines: {},
      rebuild: { measured: false, reason: 'not run' },
      ratios: {},
      createdVerified: { ok: true, seconds: 1, problems: [] },
      totalSeconds: 1,
      targets: [],
      failures: [],
      timeline: [],
      charts: [],
    } as unknown as LoadReport;
    report.scale = scaleCurve(report, { file: 'load-a.json', report: small });
    const md = renderMarkdown(report);
    expect(md).toContain('## Scale: N = 100,000 and N = 1,000,000, one after the other');
    expect(md).toContain('| create throughput | 4,000 req/s | 3,400 req/s | 0.85× |');
    expect(md).toContain('| peak RSS of each service at the larger N | ≤ 200 MB | 210 MB | ❌ short |');
    expect(renderSummary(report)).toMatch(/scale 100k→1M +create 0\.85×, lag p99 1\.50×/);
  });
});

describe('latestReport', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is the newest readable report, whatever its N', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'load-scale-'));
    await writeFile(path.join(dir, 'load-2026-01-01_10-00-00.json'), JSON.stringify(small));
    await writeFile(path.join(dir, 'load-2026-01-01_11-00-00.json'), JSON.stringify(large));
    await writeFile(path.join(dir, 'load-2026-01-01_12-00-00.json'), '{"cut short');
    await writeFile(path.join(dir, 'notes.json'), JSON.stringify(small));
    const latest = await latestReport(dir);
    expect(latest?.file).toBe('load-2026-01-01_11-00-00.json');
    expect(latest?.report.settings.n).toBe(1_000_000);
    expect(await latestReport(path.join(dir, 'missing'))).toBeUndefined();
  });
});
