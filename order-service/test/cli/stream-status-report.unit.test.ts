import { describe, expect, it } from 'vitest';
import { EXIT, exitCodeOf, explain, renderTable, toJson } from '../../src/cli/stream-status-report.js';
import type { ConsumerStatus, StreamStatus } from '../../src/services/stream-status.js';

const checkedAt = new Date('2026-12-01T12:00:00.000Z');

function consumer(overrides: Partial<ConsumerStatus> = {}): ConsumerStatus {
  return {
    name: 'order-service',
    stored: { lastOffset: 99n, generation: 1, lastFingerprint: 'abc', bootstrapping: false, updatedAt: checkedAt },
    brokerOffset: 90n,
    nextNeeded: 100n,
    lagEvents: 20n,
    lagSeconds: 12.34,
    oldestUnapplied: { offset: 100n, eventTime: new Date('2026-12-01T11:59:47.660Z') },
    verdict: { kind: 'ok', resumeFrom: 100n },
    ...overrides,
  };
}

function status(consumers: ConsumerStatus[], management: StreamStatus['management'] = { messages: 120, segments: 1, bytes: null }): StreamStatus {
  return { stream: 'customer', checkedAt, bounds: { firstRetained: 0n, committedChunk: 110n }, lastMessage: 119n, management, consumers };
}

const gap = { kind: 'stream_gap', needed: 100n, firstRetained: 5_000n } as const;

describe('stream-status exit codes', () => {
  it('0 when every consumer is fine, 1 on a gap or a reset, 3 when a position could not be verified', () => {
    expect(exitCodeOf(status([consumer()]))).toBe(EXIT.healthy);
    expect(exitCodeOf(status([]))).toBe(EXIT.healthy);
    expect(exitCodeOf(status([consumer(), consumer({ name: 'b', verdict: gap })]))).toBe(EXIT.broken);
    expect(exitCodeOf(status([consumer({ verdict: { kind: 'stream_reset', needed: 5n, firstRetained: 0n, detail: 'x' } })]))).toBe(EXIT.broken);
    expect(exitCodeOf(status([consumer({ verdict: { kind: 'unverified', needed: 100n, firstRetained: 0n } })]))).toBe(EXIT.unknown);
    expect(exitCodeOf(status([consumer({ verdict: { kind: 'unverified', needed: 100n, firstRetained: 0n } }), consumer({ verdict: gap })]))).toBe(EXIT.broken);
  });
});

describe('stream-status report', () => {
  it('names the offsets a gap lost and what to do', () => {
    expect(explain(gap)).toBe(
      'GAP: retention removed offsets 100 to 4999, which this consumer never applied (next needed 100 < first retained 5000); rebuild the replica: make rebuild-replica',
    );
  });

  it('prints the stream, one line per consumer, and the verdict', () => {
    const text = renderTable(status([consumer(), consumer({ name: 'late', stored: null, brokerOffset: null, lagSeconds: null, verdict: gap })]));
    expect(text).toContain('stream "customer" at 2026-12-01T12:00:00.000Z');
    expect(text).toMatch(/^ {2}first retained offset {2}0$/m);
    expect(text).toMatch(/^ {2}bytes +not reported by the management API$/m);
    expect(text).toMatch(/^order-service +99 +90 +100 +20 +12\.3 +100 \(2026-12-01T11:59:47\.660Z\) +ok$/m);
    expect(text).toMatch(/^late +no row +- +100 +20 +unknown +100 .* stream_gap$/m);
    expect(text).toMatch(/^late: GAP: retention removed offsets 100 to 4999/m);
    expect(text).not.toContain('healthy');
  });

  it('says when the management API could not be asked, and that all is well when it is', () => {
    const text = renderTable(status([consumer()], { error: 'the management API answered 401' }));
    expect(text).toMatch(/^ {2}management API +unavailable: the management API answered 401$/m);
    expect(text).toContain('healthy: every consumer can go on from its stored offset');
  });

  it('gives offsets as strings in JSON, and the problem of each consumer that has one', () => {
    const json = toJson(status([consumer({ verdict: gap })]));
    expect(json).toMatchObject({
      healthy: false,
      broker: { first_retained: '0', committed_chunk: '110', last_message: '119' },
      management: { messages: 120, segments: 1, bytes: null, bytes_note: 'not reported by the management API' },
      consumers: [{ name: 'order-service', stored_offset: '99', broker_offset: '90', lag_events: '20', lag_seconds: 12.34, verdict: 'stream_gap', first_retained: '5000' }],
    });
    expect(json.consumers[0]!.problem).toMatch(/^GAP/);
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});
