import type { Verdict } from '../domain/stream-integrity.js';
import { consumersWithProblems, type ConsumerStatus, type StreamStatus } from '../services/stream-status.js';

/** The command's exit codes. */
export const EXIT = {
  healthy: 0,
  /** A consumer's stored position has a gap or a reset behind it: the stream no longer holds what it needs. */
  broken: 1,
  /** Bad settings or arguments. */
  usage: 2,
  /** The status could not be established: the broker or the database did not answer, or a read-back failed. */
  unknown: 3,
} as const;

export function exitCodeOf(status: StreamStatus): number {
  const problems = consumersWithProblems(status);
  if (problems.some((consumer) => consumer.verdict.kind === 'stream_gap' || consumer.verdict.kind === 'stream_reset')) return EXIT.broken;
  return problems.length > 0 ? EXIT.unknown : EXIT.healthy;
}

const BYTES_UNKNOWN = 'not reported by the management API';

/** What a verdict means for an operator, with what to do. */
export function explain(verdict: Verdict): string {
  switch (verdict.kind) {
    case 'ok':
      return 'the stream holds everything from the next needed offset on';
    case 'stream_gap':
      return (
        `GAP: retention removed offsets ${verdict.needed} to ${verdict.firstRetained - 1n}, which this consumer never applied ` +
        `(next needed ${verdict.needed} < first retained ${verdict.firstRetained}); rebuild the replica: make rebuild-replica`
      );
    case 'stream_reset':
      return `RESET: ${verdict.detail}; the stream is not the one the replica was built from (deleted and declared again); rebuild the replica: make rebuild-replica`;
    case 'unverified':
      return `UNVERIFIED: the message at offset ${verdict.needed - 1n} could not be read back; run again`;
  }
}

const offsetText = (offset: bigint | null | undefined) => (offset === null || offset === undefined || offset < 0n ? '-' : offset.toString());

/** For --json: offsets as decimal strings (64-bit), times as ISO 8601. */
export function toJson(status: StreamStatus) {
  const management =
    'error' in status.management
      ? { error: status.management.error }
      : { ...status.management, ...(status.management.bytes === null ? { bytes_note: BYTES_UNKNOWN } : {}) };
  return {
    stream: status.stream,
    checked_at: status.checkedAt.toISOString(),
    healthy: exitCodeOf(status) === EXIT.healthy,
    broker: {
      first_retained: status.bounds.firstRetained.toString(),
      committed_chunk: status.bounds.committedChunk.toString(),
      last_message: status.lastMessage?.toString() ?? null,
    },
    management,
    consumers: status.consumers.map((consumer) => ({
      name: consumer.name,
      stored_offset: consumer.stored ? (consumer.stored.lastOffset?.toString() ?? null) : null,
      stored: consumer.stored !== null,
      generation: consumer.stored?.generation ?? null,
      bootstrapping: consumer.stored?.bootstrapping ?? false,
      updated_at: consumer.stored?.updatedAt.toISOString() ?? null,
      broker_offset: consumer.brokerOffset?.toString() ?? null,
      next_needed: consumer.nextNeeded.toString(),
      lag_events: consumer.lagEvents.toString(),
      lag_seconds: consumer.lagSeconds,
      oldest_unapplied: consumer.oldestUnapplied && {
        offset: consumer.oldestUnapplied.offset.toString(),
        event_time: consumer.oldestUnapplied.eventTime?.toISOString() ?? null,
      },
      verdict: consumer.verdict.kind,
      ...(consumer.verdict.kind === 'ok' ? {} : { first_retained: consumer.verdict.firstRetained.toString(), problem: explain(consumer.verdict) }),
    })),
  };
}

/** The readable report. */
export function renderTable(status: StreamStatus): string {
  const { bounds, management } = status;
  const lines = [`stream "${status.stream}" at ${status.checkedAt.toISOString()}`];
  const facts: Array<[string, string]> = [
    ['first retained offset', bounds.firstRetained < 0n ? '- (the stream is empty)' : bounds.firstRetained.toString()],
    ['last committed chunk', `${offsetText(bounds.committedChunk)}  (broker statistics: first offset of the last committed chunk)`],
    ['last message offset', offsetText(status.lastMessage)],
  ];
  if ('error' in management) {
    facts.push(['management API', `unavailable: ${management.error}`]);
  } else {
    facts.push(
      ['messages', `${management.messages === null ? '-' : String(management.messages)}  (management API)`],
      ['segments', management.segments === null ? '-' : String(management.segments)],
      ['bytes', management.bytes === null ? BYTES_UNKNOWN : String(management.bytes)],
    );
  }
  const width = Math.max(...facts.map(([label]) => label.length));
  for (const [label, value] of facts) lines.push(`  ${label.padEnd(width)}  ${value}`);
  lines.push('');

  const header = ['consumer', 'stored (order_db)', 'stored (broker)', 'next needed', 'lag (events)', 'lag (s)', 'oldest unapplied event', 'stream'];
  const rows = status.consumers.map((consumer) => [
    consumer.name,
    consumer.stored === null ? 'no row' : consumer.stored.lastOffset === null ? 'none applied' : consumer.stored.lastOffset.toString(),
    offsetText(consumer.brokerOffset),
    consumer.nextNeeded.toString(),
    consumer.lagEvents.toString(),
    consumer.lagSeconds === null ? 'unknown' : consumer.lagSeconds.toFixed(1),
    oldestText(consumer),
    consumer.verdict.kind,
  ]);
  lines.push(...table([header, ...rows]));
  if (status.consumers.length === 0) lines.push('  (no consumer)');
  lines.push('');

  const problems = consumersWithProblems(status);
  if (problems.length === 0) lines.push('healthy: every consumer can go on from its stored offset');
  for (const consumer of problems) lines.push(`${consumer.name}: ${explain(consumer.verdict)}`);
  return `${lines.join('\n')}\n`;
}

function oldestText(consumer: ConsumerStatus): string {
  const oldest = consumer.oldestUnapplied;
  if (!oldest) return '-';
  return `${oldest.offset} (${oldest.eventTime?.toISOString() ?? 'no event time'})`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
}
