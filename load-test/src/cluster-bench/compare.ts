/**
 * The cluster benchmark's verdict: the figures of one load run on a 1-node broker beside those of
 * the same run on a 3-node cluster, each 3-node figure as a ratio of the 1-node one. Pure.
 */
import type { LoadReport } from '../report/types.js';

export interface Figure {
  name: string;
  unit: string;
  /** Whether a higher value is the better one (throughput) or a lower one (lag, time). */
  better: 'higher' | 'lower';
  /** The mean over the runs on 1 node and on 3 nodes (undefined when no run measured it). */
  one: number | undefined;
  three: number | undefined;
  /** Each run's value, in the order of the runs. */
  oneRuns: Array<number | undefined>;
  threeRuns: Array<number | undefined>;
  /** three / one. */
  ratio: number | undefined;
}

const mean = (values: Array<number | undefined>) => {
  const known = values.filter((value): value is number => value !== undefined && Number.isFinite(value));
  return known.length === 0 ? undefined : known.reduce((sum, value) => sum + value, 0) / known.length;
};

function figure(name: string, unit: string, better: Figure['better'], of: (report: LoadReport) => number | undefined) {
  return (ones: LoadReport[], threes: LoadReport[]): Figure => {
    const oneRuns = ones.map(of);
    const threeRuns = threes.map(of);
    const [one, three] = [mean(oneRuns), mean(threeRuns)];
    return { name, unit, better, one, three, oneRuns, threeRuns, ratio: one === undefined || three === undefined || one === 0 ? undefined : three / one };
  };
}

const peakRss = (report: LoadReport) => {
  const peaks = Object.values(report.memoryMb).flatMap((m) => (m.peakSampled === undefined ? [] : [m.peakSampled]));
  return peaks.length > 0 ? Math.max(...peaks) : undefined;
};

/** What replication could cost, in the order a reader asks: throughput, lag, the raw broker, then the yardstick. */
const FIGURES = [
  figure('create throughput (POST /customers)', 'req/s', 'higher', (r) => r.create.perS),
  figure('created, replicated and verified', 's', 'lower', (r) => r.createdVerified.seconds),
  figure('update throughput', 'req/s', 'higher', (r) => r.update.perS || undefined),
  figure('replication lag p50 (event → replica commit)', 'ms', 'lower', (r) => r.replicationLagMs.p50),
  figure('replication lag p99', 'ms', 'lower', (r) => r.replicationLagMs.p99),
  figure('outbox publish lag p50 (commit → broker confirm)', 'ms', 'lower', (r) => r.outboxPublishLagMs.p50),
  figure('outbox publish lag p99', 'ms', 'lower', (r) => r.outboxPublishLagMs.p99),
  figure('converged after the last write', 'ms', 'lower', (r) => r.convergence.afterLastWriteMs),
  figure('raw stream publish with confirms (baseline)', 'msg/s', 'higher', (r) => r.baselines.stream?.publishPerS),
  figure('raw stream consume (baseline)', 'msg/s', 'higher', (r) => r.baselines.stream?.consumePerS),
  figure('PostgreSQL single-row insert (baseline, no broker: the noise between the runs)', 'rows/s', 'higher', (r) => r.baselines.insert?.rowsPerS),
  figure('peak RSS of a service', 'MB', 'lower', peakRss),
];

/** The figures of every run on 1 node against those on 3 nodes. */
export function compare(ones: LoadReport[], threes: LoadReport[]): Figure[] {
  return FIGURES.map((of) => of(ones, threes));
}

const num = (value: number | undefined, unit: string) =>
  value === undefined ? '—' : value.toLocaleString('en-US', { maximumFractionDigits: unit === 's' ? 1 : 0 });

/** `0.62×` and the change in words: `38% lower`, `21% longer` (a time), `2.3× longer` from twice on. */
export function describeRatio(figure: Figure): string {
  if (figure.ratio === undefined) return '—';
  const r = figure.ratio;
  const time = figure.unit === 'ms' || figure.unit === 's';
  const [more, less] = time ? ['longer', 'shorter'] : ['higher', 'lower'];
  const words = r >= 2 ? `${r.toFixed(1)}× ${more}` : r >= 1 ? `${Math.round((r - 1) * 100)}% ${more}` : `${Math.round((1 - r) * 100)}% ${less}`;
  return `${r.toFixed(2)}× (${words})`;
}

export interface BenchRun {
  /** `1-node` or `3-node`, with the round: `1-node #1`. */
  label: string;
  nodes: 1 | 3;
  broker: string;
  report: LoadReport;
  reportFile: string;
}

/** The mean, and each run's value when there are several. */
function cell(mean: number | undefined, runs: Array<number | undefined>, unit: string): string {
  if (runs.length < 2) return num(mean, unit);
  return `${num(mean, unit)} (${runs.map((value) => num(value, unit)).join(', ')})`;
}

export function renderComparison(runs: BenchRun[], figures: Figure[], startedAt: string): string {
  const first = runs[0]!.report;
  const verdict = (run: BenchRun) => (run.report.failures.length === 0 ? 'verified' : `FAILED: ${run.report.failures.join('; ')}`);
  const brokers = [...new Set(runs.map((run) => run.broker))].join(' and ');
  return [
    `# Cluster benchmark — ${startedAt}`,
    '',
    `The same load (N=${first.settings.n.toLocaleString('en-US')}, concurrency ${first.settings.concurrency}, updates and orders) against a system of its own on each of ${brokers},`,
    `one run after the other on this machine, in this order (the second round reversed, so that a drift of the machine weighs on both alike):`,
    ...runs.map((run) => `- ${run.label}: ${verdict(run)}`),
    '',
    'Each value is the mean of the runs (each run in brackets); ratio = 3 nodes / 1 node.',
    '',
    '| figure | 1 node | 3 nodes | ratio |',
    '|---|---|---|---|',
    ...figures.map((f) => `| ${f.name} (${f.unit}) | ${cell(f.one, f.oneRuns, f.unit)} | ${cell(f.three, f.threeRuns, f.unit)} | ${describeRatio(f)} |`),
    '',
    'What the ratios include: a publish is confirmed once a majority of the stream\'s members (2 of 3) has written it, so each',
    'event is written three times and crosses the Erlang distribution twice; the three nodes share the machine\'s cores with',
    'the services, PostgreSQL and the load generator, so their CPU is the same CPU (on machines of their own the cost would be',
    'the network round trip instead). The PostgreSQL insert baseline does not touch the broker: its ratio shows how much the',
    'machine itself drifted between the two runs.',
    '',
    `Reports of the runs: ${runs.map((run) => run.reportFile).join(', ')}.`,
    '',
  ].join('\n');
}
