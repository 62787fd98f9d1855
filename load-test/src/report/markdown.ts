import { insertRateOf } from '../baselines/postgres-insert.js';
import { cpuSection, cpuSummary, footprintSection, groupCommitSection, statementsSection } from './costs-section.js';
import type { LoadReport, PhaseReport } from './types.js';

const num = (value: number | undefined, digits = 0) =>
  value === undefined || !Number.isFinite(value) ? '—' : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const pct = (ratio: number | undefined) => (ratio === undefined ? '—' : `${(ratio * 100).toFixed(1)}%`);

/** The raw insert's rate, and when it was measured before and after the phases, both and the drift between them. */
function insertFigure(report: Pick<LoadReport, 'baselines'>): string {
  const { insert, insertAfter } = report.baselines;
  const rate = insertRateOf(report.baselines);
  if (!insert || !insertAfter || rate?.drift === undefined) return `${num(rate?.rowsPerS)} rows/s`;
  const drift = `${rate.drift >= 0 ? '+' : '−'}${Math.abs(rate.drift * 100).toFixed(1)}%`;
  return `${num(rate.rowsPerS)} rows/s (${num(insert.rowsPerS)} before the phases, ${num(insertAfter.rowsPerS)} after: ${drift})`;
}

const MARKS = { pass: '✅ pass', short: '❌ short', 'not measured': '➖ not measured' } as const;

function errors(kinds: Record<string, number>): string {
  const entries = Object.entries(kinds);
  return entries.length === 0 ? 'none' : entries.map(([kind, count]) => `${kind} ×${count}`).join(', ');
}

function phaseRow(name: string, phase: PhaseReport): string {
  const l = phase.latencyMs;
  const gc = phase.loadGeneratorGc;
  const pauses = gc ? `${num(gc.pauses)} (${num(gc.major)} full), ${num(gc.totalMs)} ms, longest ${num(gc.longestMs, 1)} ms` : '—';
  return `| ${name} | ${num(phase.succeeded)}/${num(phase.requests)} | ${num(phase.perS)} | ${num(l?.p50, 1)} | ${num(l?.p95, 1)} | ${num(l?.p99, 1)} | ${num(l?.max, 1)} | ${num(phase.retried)} | ${num(phase.failed)} | ${errors(phase.errorsByKind)} | ${pauses} |`;
}

/** The run as a person reads it: verdict, targets, figures, baselines, charts. */
export function renderMarkdown(report: LoadReport): string {
  const ok = report.failures.length === 0;
  const lines = [
    `# Load test ${report.runId} — ${report.startedAt}`,
    '',
    `**${ok ? 'PASSED' : 'FAILED'}**: N=${num(report.settings.n)}, concurrency ${report.settings.concurrency}, ` +
      `${pct(report.settings.unknownShare)} unknown addresses, ${pct(report.settings.updateShare)} updated, ${num(report.settings.orders)} orders; ` +
      `created, replicated and verified in ${num(report.createdVerified.seconds, 1)} s; ` +
      `with updates and orders, first request → replica verified in ${num(report.totalSeconds, 1)} s.` +
      (report.settings.rateLimits ? ` Rate limits on this client: ${report.settings.rateLimits}.` : ''),
    ...(ok ? [] : ['', '## Failures', '', ...report.failures.map((failure) => `- ${failure}`)]),
    '',
    '## Targets (issues 6, 14 and 18: goals, not failures)',
    '',
    '| target | goal | measured | |',
    '|---|---|---|---|',
    ...report.targets.map((t) => `| ${t.name} | ${t.goal} | ${t.value} | ${MARKS[t.mark]} |`),
    '',
    '## Requests',
    '',
    '| phase | ok/sent | req/s | p50 ms | p95 ms | p99 ms | max ms | retried | failed | errors by kind | load generator GC: pauses, in all, longest |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    phaseRow('create `POST /customers`', report.create),
    phaseRow('update `PUT /customers/:id/address`', report.update),
    phaseRow('orders `POST /orders` (8081 + 8082)', report.orders),
    '',
    `Orders by status: ${errors(report.orders.byStatus)}; wrong status: ${report.orders.wrongStatus}.`,
    '',
    "The last column is the load generator's own garbage collection during the phase: while it runs, responses wait unread, and a request in flight then counts the pause in its latency.",
    '',
    '## Replication',
    '',
    '| figure | value |',
    '|---|---|',
    `| replication lag p50 / p99 (\`replication_lag_seconds\`, this run) | ${num(report.replicationLagMs.p50)} / ${num(report.replicationLagMs.p99)} ms (${num(report.replicationLagMs.observations)} events) |`,
    `| outbox publish lag p50 / p99 (\`outbox_publish_lag_seconds\`, this run) | ${num(report.outboxPublishLagMs.p50)} / ${num(report.outboxPublishLagMs.p99)} ms (${num(report.outboxPublishLagMs.observations)} events) |`,
    `| converged after the last write | ${report.convergence.converged ? `${num(report.convergence.afterLastWriteMs)} ms` : 'no (timed out)'} (${report.convergence.polls} polls) |`,
    `| customers of this run in customer_db / in the replica | ${num(report.verification.customers)} / ${num(report.verification.replicaRows)} |`,
    `| digest customer_db / replica | \`${report.verification.digest}\` / \`${report.verification.replicaDigest}\` |`,
    `| in customer_db without an acknowledged create (timed-out requests) | ${num(report.verification.unacknowledgedInSource)} |`,
    ...(report.verification.ranges
      ? [`| compared by ordered digest per id range | ${num(report.verification.ranges.count)} ranges of ≤ ${num(report.verification.ranges.size)} ids, ${num(report.verification.ranges.mismatched.length)} differ |`]
      : []),
    `| rebuild (replay from the first offset) | ${report.rebuild.measured ? `${num(report.rebuild.events)} events in ${num(report.rebuild.seconds, 2)} s = ${num(report.rebuild.eventsPerS)} events/s (from the rebuild's commit; the command's start-up before it: ${num(report.rebuild.startupSeconds, 2)} s)` : `not measured: ${report.rebuild.reason ?? ''}`} |`,
    ...(report.bootstrap
      ? [
          `| bootstrap (replica emptied, loaded from customer-service's snapshot) | ${report.bootstrap.measured ? `${num(report.bootstrap.customers)} customers in ${num(report.bootstrap.seconds, 2)} s = ${num(report.bootstrap.customersPerS)} customers/s (the instance's replica_bootstrap_last_seconds; replica equal again after ${num(report.bootstrap.convergedSeconds, 1)} s, stream resumed included) vs replay ${num(report.rebuild.eventsPerS)} events/s` : `not measured: ${report.bootstrap.reason ?? ''}`} |`,
        ]
      : []),
    '',
    ...(report.verification.diff
      ? [
          `First mismatches (${report.verification.diff.missing} missing, ${report.verification.diff.extra} extra, ${report.verification.diff.different} different):`,
          '',
          '| id | kind | customer_db | replica |',
          '|---|---|---|---|',
          ...report.verification.diff.first.map(
            (d) =>
              `| ${d.id} | ${d.kind} | ${d.source ? `${d.source.address} v${d.source.version}${d.source.deleted ? ' deleted' : ''}` : ''} | ${d.replica ? `${d.replica.address} v${d.replica.version}${d.replica.deleted ? ' deleted' : ''}` : ''} |`,
          ),
          '',
          ...(report.verification.ranges && report.verification.ranges.mismatched.length > 0
            ? [
                'Id ranges whose digests differ, with their mismatching ids:',
                '',
                '| range (first id … last id) | differences | ids |',
                '|---|---|---|',
                ...report.verification.ranges.mismatched.map((r) => `| ${r.from} … ${r.to} | ${num(r.differences)} | ${r.ids.join(', ')} |`),
              ]
            : []),
          '',
        ]
      : []),
    ...cpuSection(report),
    ...groupCommitSection(report),
    ...statementsSection(report),
    ...footprintSection(report),
    '## Memory (resident set, MB)',
    '',
    '| process | peak sampled during the run | VmHWM (since the process started) |',
    '|---|---|---|',
    ...Object.entries(report.memoryMb).map(([name, m]) => `| ${name} | ${num(m.peakSampled)} | ${num(m.highWaterMark)} |`),
    '',
    '## Raw baselines (same run, same machine) and ratios',
    '',
    '| building block | figure | pipeline figure | ratio |',
    '|---|---|---|---|',
    `| PostgreSQL single-row INSERT, autocommit, ${report.baselines.insert?.concurrency ?? '—'} clients | ${insertFigure(report)} | create ${num(report.create.perS)} req/s; update ${num(report.update.perS)} req/s | ${pct(report.ratios.createVsInsert)}; ${pct(report.ratios.updateVsInsert)} |`,
    `| stream publish ${num(report.baselines.stream?.messages)} × ${report.baselines.stream?.bytesPerMessage ?? '—'} B with confirms | ${num(report.baselines.stream?.publishPerS)} msg/s | | |`,
    `| stream consume of the same from the first offset, JSON.parse each | ${num(report.baselines.stream?.consumePerS)} msg/s | rebuild ${report.rebuild.measured ? `${num(report.rebuild.eventsPerS)} events/s` : 'not measured'} | ${pct(report.ratios.replayVsConsume)} |`,
    ...(report.baselines.replay
      ? [`| raw consumer replay of \`${report.baselines.replay.stream}\` from the first offset | ${num(report.baselines.replay.perS)} msg/s (${num(report.baselines.replay.messages)} messages) | | |`]
      : []),
    ...(report.baselines.bootstrap
      ? [
          `| batched upsert of the snapshot's rows (keyset pages of ${num(report.baselines.bootstrap.pageSize)} read from customer_db, unnest upsert into a scratch replica table) | ${num(report.baselines.bootstrap.rowsPerS)} rows/s (${num(report.baselines.bootstrap.rows)} rows) | bootstrap ${num(report.bootstrap?.customersPerS)} customers/s | ${pct(report.ratios.bootstrapVsRaw)} |`,
        ]
      : []),
    ...(report.baselines.error ? ['', `Baselines incomplete: ${report.baselines.error}`] : []),
    '',
    ...historySection(report),
    ...scaleSection(report),
    '## Over time (sampled every second)',
    '',
    ...report.charts.map((chart) => `![${chart}](${chart})\n`),
  ];
  return `${lines.join('\n')}\n`;
}

/** The short table printed at the end of a run. */
export function renderSummary(report: LoadReport): string {
  const rows: Array<[string, string]> = [
    ['create', `${num(report.create.perS)} req/s, p50/p95/p99/max ${num(report.create.latencyMs?.p50, 1)}/${num(report.create.latencyMs?.p95, 1)}/${num(report.create.latencyMs?.p99, 1)}/${num(report.create.latencyMs?.max, 1)} ms`],
    ['update', `${num(report.update.perS)} req/s, p50/p95/p99/max ${num(report.update.latencyMs?.p50, 1)}/${num(report.update.latencyMs?.p95, 1)}/${num(report.update.latencyMs?.p99, 1)}/${num(report.update.latencyMs?.max, 1)} ms`],
    ['orders', `${num(report.orders.perS)} req/s, ${errors(report.orders.byStatus)}, wrong ${report.orders.wrongStatus}`],
    [
      'load generator GC',
      (['create', 'update', 'orders'] as const)
        .map((name) => {
          const gc = report[name].loadGeneratorGc;
          return `${name} ${gc ? `longest ${num(gc.longestMs, 1)} ms, ${num(gc.totalMs)} ms in ${num(gc.pauses)} (${num(gc.major)} full)` : '—'}`;
        })
        .join('; '),
    ],
    ['errors', `create ${errors(report.create.errorsByKind)}; update ${errors(report.update.errorsByKind)}; orders ${errors(report.orders.errorsByKind)}`],
    ['replication lag', `p50 ${num(report.replicationLagMs.p50)} ms, p99 ${num(report.replicationLagMs.p99)} ms`],
    ['converged', report.convergence.converged ? `${num(report.convergence.afterLastWriteMs)} ms after the last write` : 'NO (timed out)'],
    ['verified', report.verification.ok ? `${num(report.verification.customers)} customers field by field` : 'MISMATCH'],
    ['baselines', `insert ${insertFigure(report)}, publish ${num(report.baselines.stream?.publishPerS)} msg/s, consume ${num(report.baselines.stream?.consumePerS)} msg/s`],
    ...(cpuSummary(report) ? [['cpu', cpuSummary(report)!] as [string, string]] : []),
    ...(report.streamFootprint && !('notMeasured' in report.streamFootprint)
      ? [['stream', `${num(report.streamFootprint.bytesPerEvent)} B per event on disk; the 1 GB retention holds ≈ ${num(report.streamFootprint.eventsThatFit)} events`] as [string, string]]
      : []),
    ['created+verified', report.createdVerified.ok ? `${num(report.createdVerified.seconds, 1)} s (replica converged ${num(report.createdVerified.afterLastCreateMs)} ms after the last create)` : 'NOT VERIFIED'],
    ['total', `${num(report.totalSeconds, 1)} s (every phase, verified)`],
    ...(report.history?.previous
      ? [
          [
            'vs previous run',
            (() => {
              const moved = report.history.changes.filter((c) => c.verdict !== 'within noise');
              return moved.length === 0
                ? `nothing moved beyond the noise (${report.history.previous})`
                : moved.map((c) => `${c.name} ${c.verdict} ${c.change >= 0 ? '+' : ''}${pct(c.change)} (noise ±${pct(c.noise)})`).join('; ');
            })(),
          ] as [string, string],
        ]
      : []),
    ...(report.scale
      ? [
          [
            `scale ${compactN(report.scale.small.n)}→${compactN(report.scale.large.n)}`,
            `create ${ratioText(report.scale.ratios.createPerS)}, lag p99 ${ratioText(report.scale.ratios.lagP99Ms)}, peak RSS ${ratioText(report.scale.ratios.peakRssMb)} (larger / smaller N); ` +
              report.scale.goals.map((g) => `${g.name} ${g.value} ${g.met === undefined ? 'not measured' : g.met ? 'pass' : 'short'}`).join('; '),
          ] as [string, string],
        ]
      : []),
    ...report.targets.map((t): [string, string] => [`target ${t.mark}`, `${t.name}: ${t.value} (goal ${t.goal})`]),
  ];
  const width = Math.max(...rows.map(([key]) => key.length));
  return rows.map(([key, value]) => `  ${key.padEnd(width)}  ${value}`).join('\n');
}

function historySection(report: LoadReport): string[] {
  const history = report.history;
  if (!history) return [];
  const title = `## Compared with the previous run of N = ${num(report.settings.n)}`;
  if (!history.previous) return [title, '', 'No earlier report of this N in the results directory.', ''];
  const noise = history.noiseFrom.assumed
    ? `noise assumed ±${pct(history.changes[0]?.noise ?? 0.2)} (fewer than two earlier runs of this N to measure it between)`
    : `noise of each figure: the largest change between two consecutive earlier runs of this N (last ${history.noiseFrom.runs}), at least ±5%`;
  const moved = history.changes.filter((c) => c.verdict !== 'within noise');
  const show = (v: number, unit: string) => (unit === '×' ? v.toFixed(2) : num(v, v < 10 ? 1 : 0));
  return [
    title,
    '',
    `Previous: \`${history.previous}\`; ${noise}. ${moved.length === 0 ? 'Nothing moved beyond the noise.' : `Moved beyond the noise: ${moved.map((c) => `${c.name} ${c.verdict}`).join(', ')}.`}`,
    '',
    '| figure | previous | this run | change | noise | verdict |',
    '|---|---|---|---|---|---|',
    ...history.changes.map(
      (c) => `| ${c.name} | ${show(c.previous, c.unit)} ${c.unit} | ${show(c.current, c.unit)} ${c.unit} | ${c.change >= 0 ? '+' : ''}${pct(c.change)} | ±${pct(c.noise)}${c.noiseAssumed ? ' (assumed)' : ''} | ${c.verdict === 'within noise' ? c.verdict : `**${c.verdict}**`} |`,
    ),
    '',
  ];
}

const ratioText = (value: number | undefined) => (value === undefined ? '—' : `${value.toFixed(2)}×`);
const compactN = (n: number) => (n >= 1_000_000 && n % 1_000_000 === 0 ? `${n / 1_000_000}M` : n >= 1_000 && n % 1_000 === 0 ? `${n / 1_000}k` : String(n));

/** The scale curve: this run and the one just before it, of another N, side by side. */
function scaleSection(report: LoadReport): string[] {
  const scale = report.scale;
  if (!scale) return [];
  const { small, large, ratios } = scale;
  const other = small.file ?? large.file;
  return [
    `## Scale: N = ${num(small.n)} and N = ${num(large.n)}, one after the other`,
    '',
    `This run and the run just before it on this machine (\`${other}\`). A figure that grows with N is a cost that does not stay flat.`,
    '',
    `| figure | N = ${num(small.n)} | N = ${num(large.n)} | larger / smaller |`,
    '|---|---|---|---|',
    `| create throughput | ${num(small.createPerS)} req/s | ${num(large.createPerS)} req/s | ${ratioText(ratios.createPerS)} |`,
    `| replication lag p99 | ${num(small.lagP99Ms)} ms | ${num(large.lagP99Ms)} ms | ${ratioText(ratios.lagP99Ms)} |`,
    `| peak RSS (highest service, sampled) | ${num(small.peakRssMb)} MB | ${num(large.peakRssMb)} MB | ${ratioText(ratios.peakRssMb)} |`,
    `| replica converged after the last write | ${num(small.convergedMs)} ms | ${num(large.convergedMs)} ms | |`,
    '',
    '| goal | wanted | measured | |',
    '|---|---|---|---|',
    ...scale.goals.map((g) => `| ${g.name} | ${g.goal} | ${g.value} | ${g.met === undefined ? MARKS['not measured'] : g.met ? MARKS.pass : MARKS.short} |`),
    '',
  ];
}
