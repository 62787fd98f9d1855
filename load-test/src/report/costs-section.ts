import type { CpuBudget } from '../cpu.js';
import { MIN_SECONDS_FOR_FLUSHES } from '../wal.js';
import type { LoadReport } from './types.js';

const us = (value: number | undefined) => (value === undefined ? '—' : value < 10 ? value.toFixed(1) : value.toFixed(0));
const rate = (value: number) => Math.round(value).toLocaleString('en-US');

const PHASES = [
  ['create', 'per create'],
  ['update', 'per update'],
  ['orders', 'per order'],
  ['insertBaseline', 'per raw INSERT row'],
] as const;

/**
 * "Where the time goes": CPU microseconds per request by process group, for each phase and for
 * the raw single-row insert, and what the machine's cores allow at that cost. Pure.
 */
export function cpuSection(report: LoadReport): string[] {
  const phases = PHASES.flatMap(([key, label]) => {
    const budget = report.cpu?.[key];
    const wal = key === 'insertBaseline' ? report.baselines?.insert?.wal : report.wal?.[key];
    return budget ? [{ label, budget, wal }] : [];
  });
  if (phases.length === 0) return [];
  const names = [...new Set(phases.flatMap(({ budget }) => budget.groups.map((group) => group.name)))];
  const costOf = (budget: CpuBudget, name: string) => budget.groups.find((group) => group.name === name)?.usPerRequest;
  // The groups in the order of the first phase's costs, the rest last.
  const rest = names.filter((name) => name.startsWith('the rest'));
  const ordered = [...names.filter((name) => !name.startsWith('the rest')), ...rest];
  return [
    '## Where the CPU goes (µs of CPU per request, from /proc)',
    '',
    'User + system CPU of each process group during each phase, divided by the requests the phase answered. ' +
      'When the machine is busy, its cores divided by the whole machine\'s CPU per request is the rate it allows: ' +
      'a rate goes up only if a request costs less CPU somewhere in this table (or the machine has more cores).',
    '',
    `| process group | ${phases.map(({ label }) => label).join(' | ')} |`,
    `|---|${phases.map(() => '---|').join('')}`,
    ...ordered.map((name) => `| ${name} | ${phases.map(({ budget }) => us(costOf(budget, name))).join(' | ')} |`),
    `| **whole machine** | ${phases.map(({ budget }) => `**${us(budget.machineUsPerRequest)}**`).join(' | ')} |`,
    `| machine busy during the phase | ${phases.map(({ budget }) => `${(budget.machineBusy * 100).toFixed(0)}% of ${budget.cores} cores, ${budget.seconds.toFixed(1)} s`).join(' | ')} |`,
    `| rate the cores allow at this cost | ${phases.map(({ budget }) => `${rate(budget.ceilingPerS)}/s`).join(' | ')} |`,
    ...(phases.some(({ wal }) => wal)
      ? [
          `| requests per WAL flush (the whole PostgreSQL server: every commit waits for one; phases of ${MIN_SECONDS_FOR_FLUSHES} s or more) | ${phases.map(({ wal }) => (wal?.requestsPerSync === undefined ? '—' : wal.requestsPerSync.toFixed(1))).join(' | ')} |`,
          `| WAL bytes per request | ${phases.map(({ wal }) => (wal ? rate(wal.bytesPerRequest) : '—')).join(' | ')} |`,
          `| full-page images per request (a page's first change after a checkpoint writes all 8 kB of it; phases of ${MIN_SECONDS_FOR_FLUSHES} s or more) | ${phases.map(({ wal }) => (wal?.fullPagesPerRequest === undefined ? '—' : wal.fullPagesPerRequest.toFixed(2))).join(' | ')} |`,
        ]
      : []),
    '',
  ];
}

/** One line for the console summary: a create's cost by group, against the raw insert's. Pure. */
export function cpuSummary(report: LoadReport): string | undefined {
  const create = report.cpu?.create;
  if (!create) return undefined;
  const top = create.groups
    .filter((group) => group.usPerRequest >= 1)
    .slice(0, 5)
    .map((group) => `${group.name.replace(/ \(.*\)$/, '')} ${us(group.usPerRequest)}`)
    .join(', ');
  const insert = report.cpu?.insertBaseline;
  return (
    `${us(create.machineUsPerRequest)} µs per create (${top}); busy ${(create.machineBusy * 100).toFixed(0)}% of ${create.cores} cores` +
    (insert ? `; raw INSERT ${us(insert.machineUsPerRequest)} µs per row` : '')
  );
}

/** The statements PostgreSQL spent the most execution time on during the creates. Pure. */
export function statementsSection(report: LoadReport): string[] {
  const statements = report.createStatements;
  if (!statements) return [];
  const title = '## PostgreSQL statements during the creates (pg_stat_statements)';
  if ('notMeasured' in statements) return [title, '', `Not measured: ${statements.notMeasured}.`, ''];
  return [
    title,
    '',
    'Execution time only (a statement\'s commit, its WAL flush and the round trip are not in it), every database of the server, the most expensive first.',
    '',
    '| database | statement | calls | creates per call | rows per call | mean ms | µs per create |',
    '|---|---|---|---|---|---|---|',
    ...statements.map(
      (s) =>
        `| ${s.database} | \`${s.query.replaceAll('|', '\\|')}\` | ${s.calls.toLocaleString('en-US')} | ${s.requestsPerCall.toFixed(1)} | ${s.rowsPerCall.toFixed(1)} | ${s.meanMs.toFixed(3)} | ${us(s.usPerRequest)} |`,
    ),
    '',
  ];
}

/** Each phase's group-commit statements by write path: how full they were and where a request waited. Pure. */
export function groupCommitSection(report: LoadReport): string[] {
  const phases = (['create', 'update', 'orders'] as const).flatMap((phase) => (report.groupCommits?.[phase] ?? []).map((figures) => [phase, figures] as const));
  if (phases.length === 0) return [];
  const ms = (value: number | undefined) => (value === undefined ? '—' : value.toFixed(1));
  return [
    '## Group commit during each phase',
    '',
    "The services' `group_commit_*` histograms between the phase's start and end. A request on a write path waits in line for a statement (at most the first request's wait), then for the statement (its round trip, execution and commit).",
    '',
    '| phase | statement | statements | requests per statement | carrying one request | first request\'s wait, mean ms | statement, mean ms | statement, p99 ms |',
    '|---|---|---|---|---|---|---|---|',
    ...phases.map(
      ([phase, g]) =>
        `| ${phase} | ${g.statement} | ${rate(g.statements)} | ${(g.requests / g.statements).toFixed(1)} | ${(g.singleShare * 100).toFixed(1)}% | ${ms(g.waitMeanMs)} | ${ms(g.statementMeanMs)} | ${ms(g.statementP99Ms)} |`,
    ),
    '',
  ];
}

const mb = (bytes: number) => `${(bytes / 1e6).toLocaleString('en-US', { maximumFractionDigits: 1 })} MB`;

/** Bytes per event, what this run's events took of the stream's retention, and what happens past it. Pure. */
export function footprintSection(report: LoadReport): string[] {
  const footprint = report.streamFootprint;
  if (!footprint) return [];
  const title = "## The stream's footprint";
  if ('notMeasured' in footprint) return [title, '', `Not measured: ${footprint.notMeasured}.`, ''];
  const runEvents = report.create.succeeded + report.update.succeeded;
  const perCustomer = report.settings.n > 0 ? runEvents / report.settings.n : 0;
  const runBytes = runEvents * footprint.bytesPerEvent;
  return [
    title,
    '',
    '| figure | value |',
    '|---|---|',
    `| bytes per event on the broker's disk (segment files of \`${footprint.stream}\`) | ${footprint.bytesPerEvent.toFixed(0)} B (${mb(footprint.segmentBytes)} for ≈ ${rate(footprint.events)} events from offset ${footprint.firstRetainedOffset}) |`,
    `| this run's events (creates + updates) | ${rate(runEvents)} ≈ ${mb(runBytes)} = ${((100 * runBytes) / footprint.maxLengthBytes).toFixed(0)}% of the retention |`,
    `| retention (max-length-bytes) | ${mb(footprint.maxLengthBytes)} ≈ ${rate(footprint.eventsThatFit)} events${perCustomer > 0 ? ` ≈ ${rate(footprint.eventsThatFit / perCustomer)} customers at this run's ${perCustomer.toFixed(2)} events per customer` : ''} |`,
    '',
    'Past the retention the broker removes the oldest segments, whole. Nothing the services need is lost: customer_db holds every customer, ' +
      'and the replica holds its state and offset. An order instance whose stored offset is older than the first retained one does not skip ahead: ' +
      'its /ready says `stream_gap`, and `make rebuild-replica` loads customer-service\'s snapshot, then applies the stream from where it stood when the snapshot was asked for ' +
      '(what the snapshot already reflects changes nothing). What is gone is a rebuild by replay alone: from then on a rebuild goes through the snapshot, ' +
      'and the report\'s replay rate is not measured.',
    '',
  ];
}
