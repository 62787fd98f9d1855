/** The results table printed at the end of a chaos session. */
import type { HttpBadInputResult } from './bad-input/http-check.js';
import type { StreamBadInputResult } from './bad-input/stream-check.js';
import type { RunResult } from './run.js';

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

const seconds = (ms: number | undefined) => (ms === undefined ? '—' : `${(ms / 1000).toFixed(2)} s`);

export function faultTable(runs: RunResult[]): string {
  return table(
    ['run', 'injected', 'recovery', 'acknowledged', 'published', 'applied', 'lost', 'duplicated', 'mismatched', '503', '5xx', 'converged', 'result'],
    runs.map((run) => [
      run.label,
      run.outcomes.map((o) => o.injected).join('; ') || '(not injected)',
      run.outcomes.length > 1 ? `max ${seconds(Math.max(...run.outcomes.map((o) => o.recoveryMs)))}` : seconds(run.outcomes[0]?.recoveryMs),
      String(run.workload.acknowledged),
      String(run.verification?.eventsPublished ?? '—'),
      String(run.verification?.eventsApplied ?? '—'),
      String(run.verification?.lost ?? '—'),
      String(run.verification?.duplicated ?? '—'),
      String(run.verification?.mismatched ?? '—'),
      String(run.workload.status503),
      String(run.workload.status5xx),
      seconds(run.convergeMs),
      run.problems.length === 0 ? 'PASS' : 'FAIL',
    ]),
  );
}

export function badInputTable(http: HttpBadInputResult | undefined, stream: StreamBadInputResult | undefined): string {
  const rows: string[][] = [];
  if (http) {
    rows.push([
      'HTTP corpus',
      `${http.cases} cases (${Object.entries(http.byCategory).map(([k, v]) => `${k} ${v}`).join(', ')})`,
      `${http.failures.length} wrong answers, ${http.databaseChanges.length} tables changed${http.foreignChanges.length ? ` (${http.foreignChanges.length} changed by other clients)` : ''}`,
      http.failures.length + http.databaseChanges.length === 0 ? 'PASS' : 'FAIL',
    ]);
  }
  if (stream) {
    rows.push([
      'stream poison',
      `${stream.published} messages (${Object.entries(stream.reasons).map(([k, v]) => `${k}→${v}`).join(', ')})`,
      `${stream.parked} parked; real changes after them applied in ${seconds(stream.appliedAfterMs)}`,
      stream.failures.length === 0 ? 'PASS' : 'FAIL',
    ]);
  }
  return table(['check', 'tried', 'outcome', 'result'], rows);
}
