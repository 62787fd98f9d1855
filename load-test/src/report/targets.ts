import { insertRateOf } from '../baselines/postgres-insert.js';
import type { LatencySummary } from '../stats.js';
import type { LoadReport, Mark, TargetResult } from './types.js';

const TARGET_N = 100_000;
/** Issue 18: 100k customers created, replicated and verified in 12 s, scaled with N. */
const SECONDS_PER_TARGET_N = 12;

function mark(value: number | undefined, ok: (v: number) => boolean): Mark {
  return value === undefined || !Number.isFinite(value) ? 'not measured' : ok(value) ? 'pass' : 'short';
}

const fmt = (value: number | undefined, digits = 0, unit = '') =>
  value === undefined || !Number.isFinite(value) ? '—' : `${value.toFixed(digits)}${unit}`;

/** Where the raw insert's rate came from when it was measured before and after the phases. */
function bracket(report: Pick<LoadReport, 'baselines'>): string {
  const { insert, insertAfter } = report.baselines;
  if (!insert || !insertAfter) return '';
  return ` (raw: the mean of ${fmt(insert.rowsPerS)} before the phases and ${fmt(insertAfter.rowsPerS)} after)`;
}

/** The slowest answer, with how many were over the limit and when the slowest came: one outlier or a tail, a warm-up or not. */
function describeMax(latency: LatencySummary | undefined): string {
  if (latency === undefined) return '—';
  const over = `${latency.slow.count.toLocaleString('en-US')} over ${latency.slow.overMs} ms`;
  return `${fmt(latency.max, 1, ' ms')} (${over}; the slowest ${fmt(latency.maxAt * 100, 1, '%')} of the way through the phase)`;
}

/**
 * The goals of issues 6, 14 and 18, checked against a run's figures (goals, not failures: a run
 * that misses one still passes when every request was acknowledged and the replica verified).
 */
export function evaluateTargets(report: Omit<LoadReport, 'targets'>): TargetResult[] {
  const n = report.settings.n;
  const budgetS = SECONDS_PER_TARGET_N * (n / TARGET_N);
  const insert = insertRateOf(report.baselines);
  const peak = Math.max(
    ...Object.values(report.memoryMb).map((m) => m.peakSampled ?? 0),
    Number.NEGATIVE_INFINITY,
  );
  const updateVsCreate = report.update.perS > 0 && report.create.perS > 0 ? report.update.perS / report.create.perS : undefined;
  return [
    {
      name: `${n.toLocaleString('en-US')} customers created, replicated and verified`,
      goal: `≤ ${fmt(budgetS, budgetS < 10 ? 1 : 0)} s${n === TARGET_N ? '' : ` (${SECONDS_PER_TARGET_N} s per 100k, scaled)`}`,
      value: report.createdVerified.ok ? `${fmt(report.createdVerified.seconds, 1)} s` : 'not verified',
      mark: report.createdVerified.ok ? mark(report.createdVerified.seconds, (v) => v <= budgetS) : 'short',
    },
    {
      name: 'create throughput vs raw single-row insert',
      goal: '≥ 1.00×',
      value: insert ? `${fmt(report.create.perS)} / ${fmt(insert.rowsPerS)} = ${fmt(report.create.perS / insert.rowsPerS, 2, '×')}${bracket(report)}` : '—',
      mark: mark(report.ratios.createVsInsert, (v) => v >= 1),
    },
    {
      name: 'create p99 latency (concurrency 64)',
      goal: '≤ 25 ms',
      value: fmt(report.create.latencyMs?.p99, 1, ' ms'),
      mark: mark(report.create.latencyMs?.p99, (v) => v <= 25),
    },
    {
      name: 'update throughput vs create throughput',
      goal: '≥ 0.80×',
      value: updateVsCreate === undefined ? '—' : `${fmt(report.update.perS)} / ${fmt(report.create.perS)} = ${fmt(updateVsCreate, 2, '×')}`,
      mark: mark(updateVsCreate, (v) => v >= 0.8),
    },
    {
      name: 'update max latency',
      goal: '≤ 250 ms',
      value: describeMax(report.update.latencyMs),
      mark: mark(report.update.latencyMs?.max, (v) => v <= 250),
    },
    {
      name: 'orders throughput (POST /orders, its own phase)',
      goal: '≥ 5,000 req/s',
      value: report.orders.perS > 0 ? `${fmt(report.orders.perS)} req/s` : '—',
      mark: mark(report.orders.perS > 0 ? report.orders.perS : undefined, (v) => v >= 5000),
    },
    {
      name: 'orders p99 latency',
      goal: '≤ 30 ms',
      value: fmt(report.orders.latencyMs?.p99, 1, ' ms'),
      mark: mark(report.orders.latencyMs?.p99, (v) => v <= 30),
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
