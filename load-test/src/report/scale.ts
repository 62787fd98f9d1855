import type { LoadReport } from './types.js';

/** Issue 18 item 4: the larger run keeps ≥ 90% of the smaller one's create rate. */
export const SCALE_THROUGHPUT_GOAL = 0.9;
/** Issue 18 item 4: each service's peak resident set at the larger N. */
export const SCALE_RSS_GOAL_MB = 200;
/** Issue 18 item 4: the replica converged this soon after the last write at the larger N. */
export const SCALE_CONVERGED_GOAL_MS = 1_000;

/** One end of the curve: a run's size and the figures that must not grow with it. */
export interface ScalePoint {
  n: number;
  /** The report's file (the earlier run), or undefined for this run. */
  file?: string;
  createPerS?: number;
  lagP99Ms?: number;
  /** The highest peak sampled among the service processes. */
  peakRssMb?: number;
  convergedMs?: number;
}

export interface ScaleCurve {
  small: ScalePoint;
  large: ScalePoint;
  /** large / small of each figure. */
  ratios: { createPerS?: number; lagP99Ms?: number; peakRssMb?: number };
  goals: Array<{ name: string; goal: string; value: string; met: boolean | undefined }>;
}

function pointOf(report: LoadReport, file?: string): ScalePoint {
  const peaks = Object.values(report.memoryMb ?? {})
    .map((memory) => memory.peakSampled)
    .filter((mb): mb is number => mb !== undefined && Number.isFinite(mb));
  return {
    n: report.settings.n,
    file,
    createPerS: report.create?.perS,
    lagP99Ms: report.replicationLagMs?.p99,
    peakRssMb: peaks.length > 0 ? Math.max(...peaks) : undefined,
    convergedMs: report.convergence?.converged ? report.convergence.afterLastWriteMs : undefined,
  };
}

const ratio = (large: number | undefined, small: number | undefined) =>
  large === undefined || small === undefined || small === 0 ? undefined : large / small;

/**
 * This run and the run just before it (`previous`, the latest report in the results directory),
 * when that one was of another N: the two ends of a scale curve measured one after the other on
 * the same machine (`make run-load`, then `make run-load N=1000000`). Undefined otherwise: a
 * curve needs two sizes, and runs further apart may have met another machine or other code.
 */
export function scaleCurve(current: LoadReport, previous: { file: string; report: LoadReport } | undefined): ScaleCurve | undefined {
  if (!previous || previous.report.settings?.n === undefined || previous.report.settings.n === current.settings.n) return undefined;
  const here = pointOf(current);
  const there = pointOf(previous.report, previous.file);
  const [small, large] = here.n < there.n ? [here, there] : [there, here];
  const ratios = {
    createPerS: ratio(large.createPerS, small.createPerS),
    lagP99Ms: ratio(large.lagP99Ms, small.lagP99Ms),
    peakRssMb: ratio(large.peakRssMb, small.peakRssMb),
  };
  const fixed = (v: number | undefined, digits: number, unit = '') => (v === undefined ? '—' : `${v.toFixed(digits)}${unit}`);
  return {
    small,
    large,
    ratios,
    goals: [
      {
        name: 'create throughput, larger / smaller N',
        goal: `≥ ${SCALE_THROUGHPUT_GOAL.toFixed(2)}`,
        value: fixed(ratios.createPerS, 2),
        met: ratios.createPerS === undefined ? undefined : ratios.createPerS >= SCALE_THROUGHPUT_GOAL,
      },
      {
        name: 'peak RSS of each service at the larger N',
        goal: `≤ ${SCALE_RSS_GOAL_MB} MB`,
        value: fixed(large.peakRssMb, 0, ' MB'),
        met: large.peakRssMb === undefined ? undefined : large.peakRssMb <= SCALE_RSS_GOAL_MB,
      },
      {
        name: 'replica converged after the last write at the larger N',
        goal: `≤ ${SCALE_CONVERGED_GOAL_MS} ms`,
        value: fixed(large.convergedMs, 0, ' ms'),
        met: large.convergedMs === undefined ? undefined : large.convergedMs <= SCALE_CONVERGED_GOAL_MS,
      },
    ],
  };
}
