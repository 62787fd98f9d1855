import type { LoadReport, Mark, TargetResult } from './types.js';

const TARGET_N = 100_000;

function mark(value: number | undefined, ok: (v: number) => boolean): Mark {
  return value === undefined || !Number.isFinite(value) ? 'not measured' : ok(value) ? 'pass' : 'short';
}

const fmt = (value: number | undefined, digits = 0, unit = '') =>
  value === undefined || !Number.isFinite(value) ? '—' : `${value.toFixed(digits)}${unit}`;

/** The goals of issue 6, checked against a run's figures (goals, not failures). */
export function evaluateTargets(report: Omit<LoadReport, 'targets'>): TargetResult[] {
  const n = report.settings.n;
  const budgetS = 30 * (n / TARGET_N);
  const insertRate = report.baselines.insert?.rowsPerS;
  const peak = Math.max(
    ...Object.values(report.memoryMb).map((m) => m.peakSampled ?? 0),
    Number.NEGATIVE_INFINITY,
  );
  return [
    {
      name: `${n.toLocaleString('en-US')} customers created, replicated and verified`,
      goal: `≤ ${fmt(budgetS, budgetS < 10 ? 1 : 0)} s${n === TARGET_N ? '' : ' (30 s per 100k, scaled)'}`,
      value: report.createdVerified.ok ? `${fmt(report.createdVerified.seconds, 1)} s` : 'not verified',
      mark: report.createdVerified.ok ? mark(report.createdVerified.seconds, (v) => v <= budgetS) : 'short',
    },
    {
      name: 'create throughput vs raw single-row insert',
      goal: '≥ 25%',
      value: insertRate ? `${fmt(report.create.perS)} / ${fmt(insertRate)} = ${fmt((100 * report.create.perS) / insertRate, 0, '%')}` : '—',
      mark: mark(report.ratios.createVsInsert, (v) => v >= 0.25),
    },
    {
      name: 'replication lag p99 during the load',
      goal: '≤ 250 ms',
      value: fmt(report.replicationLagMs.p99, 0, ' ms'),
      mark: mark(report.replicationLagMs.p99, (v) => v <= 250),
    },
    {
      name: 'converged after the last write',
      goal: '≤ 1000 ms',
      value: report.convergence.converged ? fmt(report.convergence.afterLastWriteMs, 0, ' ms') : 'timed out',
      mark: report.convergence.converged ? mark(report.convergence.afterLastWriteMs, (v) => v <= 1000) : 'short',
    },
    {
      name: 'replay from the first offset (order-service rebuild)',
      goal: '≥ 50,000 events/s',
      value: report.rebuild.measured ? `${fmt(report.rebuild.eventsPerS)} events/s` : `not measured (${report.rebuild.reason ?? ''})`,
      mark: report.rebuild.measured ? mark(report.rebuild.eventsPerS, (v) => v >= 50_000) : 'not measured',
    },
    {
      name: "bootstrap from customer-service's snapshot",
      goal: '≥ 100,000 customers/s',
      value: report.bootstrap?.measured
        ? `${fmt(report.bootstrap.customersPerS)} customers/s (raw batched upsert of the same rows: ${fmt(report.baselines.bootstrap?.rowsPerS)} rows/s)`
        : `not measured (${report.bootstrap?.reason ?? 'measured with the rebuild, N ≥ 50000'})`,
      mark: report.bootstrap?.measured ? mark(report.bootstrap.customersPerS, (v) => v >= 100_000) : 'not measured',
    },
    {
      name: 'peak RSS of each service process',
      goal: '≤ 200 MB',
      value: Number.isFinite(peak) ? `${fmt(peak, 0)} MB (highest)` : '—',
      mark: mark(Number.isFinite(peak) ? peak : undefined, (v) => v <= 200),
    },
  ];
}
