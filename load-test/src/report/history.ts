import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { insertRateOf } from '../baselines/postgres-insert.js';
import type { LoadReport } from './types.js';

/** A figure of a run that can be compared with earlier runs. */
interface Figure {
  name: string;
  value: (report: LoadReport) => number | undefined;
  /** true: a larger value is better (a rate); false: smaller is better (a time, a latency, memory). */
  higherIsBetter: boolean;
  unit: string;
}

const peakRss = (name: string) => (report: LoadReport) => report.memoryMb?.[name]?.peakSampled;

export const FIGURES: Figure[] = [
  { name: 'create throughput', value: (r) => r.create?.perS, higherIsBetter: true, unit: 'req/s' },
  { name: 'create p99', value: (r) => r.create?.latencyMs?.p99, higherIsBetter: false, unit: 'ms' },
  { name: 'update throughput', value: (r) => r.update?.perS || undefined, higherIsBetter: true, unit: 'req/s' },
  { name: 'update p99', value: (r) => r.update?.latencyMs?.p99, higherIsBetter: false, unit: 'ms' },
  { name: 'update max', value: (r) => r.update?.latencyMs?.max, higherIsBetter: false, unit: 'ms' },
  { name: 'orders throughput', value: (r) => r.orders?.perS || undefined, higherIsBetter: true, unit: 'req/s' },
  { name: 'orders p99', value: (r) => r.orders?.latencyMs?.p99, higherIsBetter: false, unit: 'ms' },
  { name: 'created, replicated and verified', value: (r) => (r.createdVerified?.ok ? r.createdVerified.seconds : undefined), higherIsBetter: false, unit: 's' },
  { name: 'replication lag p99', value: (r) => r.replicationLagMs?.p99, higherIsBetter: false, unit: 'ms' },
  { name: 'converged after the last write', value: (r) => r.convergence?.afterLastWriteMs, higherIsBetter: false, unit: 'ms' },
  { name: 'rebuild replay', value: (r) => r.rebuild?.eventsPerS, higherIsBetter: true, unit: 'events/s' },
  { name: 'snapshot bootstrap', value: (r) => r.bootstrap?.customersPerS, higherIsBetter: true, unit: 'customers/s' },
  { name: 'raw single-row insert (baseline)', value: (r) => (r.baselines ? insertRateOf(r.baselines)?.rowsPerS : undefined), higherIsBetter: true, unit: 'rows/s' },
  { name: 'create vs raw insert', value: (r) => r.ratios?.createVsInsert, higherIsBetter: true, unit: '×' },
  { name: 'peak RSS customer', value: peakRss('customer'), higherIsBetter: false, unit: 'MB' },
  { name: 'peak RSS order-1', value: peakRss('order-1'), higherIsBetter: false, unit: 'MB' },
];

/** Below this relative change a figure never counts as moved, however quiet the earlier runs were. */
export const NOISE_FLOOR = 0.05;
/** The noise assumed when there are not two earlier runs of the same N to measure it between. */
export const ASSUMED_NOISE = 0.2;
/** Earlier runs whose consecutive differences make the noise. */
const NOISE_RUNS = 5;

export interface FigureChange {
  name: string;
  unit: string;
  previous: number;
  current: number;
  /** (current − previous) / previous. */
  change: number;
  noise: number;
  /** The noise was assumed (ASSUMED_NOISE): no two consecutive earlier runs reported this figure. */
  noiseAssumed: boolean;
  verdict: 'better' | 'worse' | 'within noise';
}

export interface HistoryComparison {
  /** The previous report of the same N (its file name), if any. */
  previous?: string;
  /** How the noise was found: measured between `noiseRuns` earlier runs, or assumed. */
  noiseFrom: { runs: number; assumed: boolean };
  changes: FigureChange[];
}

const relative = (a: number, b: number) => (b === 0 ? (a === 0 ? 0 : Infinity) : (a - b) / Math.abs(b));

/**
 * This run against the previous report of the same N. The noise of each figure is the largest
 * relative difference between two consecutive earlier runs of that N (up to the last five, at
 * least NOISE_FLOOR): what the same code on the same machine moves by on its own. Without two
 * consecutive earlier runs that report the figure it is ASSUMED_NOISE, and said so. A figure moved when its change is larger.
 * `earlier`: the earlier reports of the same N, oldest first.
 */
export function compareWithHistory(current: LoadReport, earlier: ReadonlyArray<{ file: string; report: LoadReport }>): HistoryComparison {
  const previous = earlier.at(-1);
  const window = earlier.slice(-NOISE_RUNS);
  const assumed = window.length < 2;
  const changes: FigureChange[] = [];
  if (!previous) return { noiseFrom: { runs: 0, assumed: true }, changes };
  for (const figure of FIGURES) {
    const now = figure.value(current);
    const before = figure.value(previous.report);
    if (now === undefined || before === undefined || !Number.isFinite(now) || !Number.isFinite(before)) continue;
    // (a figure that earlier runs did not all report may have no pair to measure its noise between: assumed then)
    let noise = NOISE_FLOOR;
    let pairs = 0;
    for (let i = 1; i < window.length; i++) {
      const a = figure.value(window[i]!.report);
      const b = figure.value(window[i - 1]!.report);
      if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b)) continue;
      pairs++;
      noise = Math.max(noise, Math.abs(relative(a, b)));
    }
    if (pairs === 0) noise = ASSUMED_NOISE;
    const change = relative(now, before);
    const moved = Math.abs(change) > noise;
    const better = figure.higherIsBetter ? change > 0 : change < 0;
    changes.push({ name: figure.name, unit: figure.unit, previous: before, current: now, change, noise, noiseAssumed: pairs === 0, verdict: moved ? (better ? 'better' : 'worse') : 'within noise' });
  }
  return { previous: previous.file, noiseFrom: { runs: window.length, assumed }, changes };
}

/** The reports in `dir`, oldest first (by their time-stamped names); none when there is no such directory. */
async function reportFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((file) => /^load-.*\.json$/.test(file)).sort();
  } catch {
    return [];
  }
}

/** A report's figures; undefined for a report cut short or of another shape. */
async function readReport(dir: string, file: string): Promise<LoadReport | undefined> {
  try {
    return JSON.parse(await readFile(path.join(dir, file), 'utf8')) as LoadReport;
  } catch {
    return undefined;
  }
}

/** The earlier reports in `dir` of a run of `n` customers, oldest first (by their time-stamped names), up to `limit`. */
export async function earlierReports(dir: string, n: number, limit = NOISE_RUNS): Promise<Array<{ file: string; report: LoadReport }>> {
  const found: Array<{ file: string; report: LoadReport }> = [];
  for (const file of (await reportFiles(dir)).reverse()) {
    if (found.length >= limit) break;
    const report = await readReport(dir, file);
    if (report?.settings?.n === n) found.push({ file, report });
  }
  return found.reverse();
}

/** The latest readable report in `dir`, whatever its N (the run before this one, for a scale curve). */
export async function latestReport(dir: string): Promise<{ file: string; report: LoadReport } | undefined> {
  for (const file of (await reportFiles(dir)).reverse()) {
    const report = await readReport(dir, file);
    if (report) return { file, report };
  }
  return undefined;
}
