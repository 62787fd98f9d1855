import { describe, expect, it } from 'vitest';
import { fingerprintOf, judgeStream } from '../../src/domain/stream-integrity.js';

const applied = (lastOffset: bigint | null, lastFingerprint: string | null = null) => ({ lastOffset, lastFingerprint });
const extent = (firstRetained: bigint, committedChunk: bigint) => ({ firstRetained, committedChunk });
const A = fingerprintOf(Buffer.from('event A'));
const B = fingerprintOf(Buffer.from('event B'));

describe('judgeStream', () => {
  it('lets a new replica read an empty stream, or a stream that still holds its first offset, from the first', () => {
    expect(judgeStream(applied(null), extent(-1n, -1n), undefined)).toEqual({ kind: 'ok', resumeFrom: 'first' });
    expect(judgeStream(applied(null), extent(0n, 500n), undefined)).toEqual({ kind: 'ok', resumeFrom: 'first' });
  });

  it('reports a gap when retention removed the first offsets a new (or rebuilt) replica needs', () => {
    expect(judgeStream(applied(null), extent(4_000n, 9_000n), undefined)).toEqual({ kind: 'stream_gap', needed: 0n, firstRetained: 4_000n });
  });

  it('reports a gap when retention passed the stored offset of a replica that was down', () => {
    expect(judgeStream(applied(1_000n, A), extent(4_000n, 9_000n), undefined)).toEqual({ kind: 'stream_gap', needed: 1_001n, firstRetained: 4_000n });
  });

  it('resumes after the stored offset when the message there is the one applied', () => {
    expect(judgeStream(applied(1_000n, A), extent(0n, 900n), { offset: 1_000n, fingerprint: A })).toEqual({ kind: 'ok', resumeFrom: 1_001n });
    // needed == first retained: nothing is missing
    expect(judgeStream(applied(3_999n, null), extent(4_000n, 9_000n), undefined)).toEqual({ kind: 'ok', resumeFrom: 4_000n });
  });

  it('reports a reset when the stream was declared again: empty, shorter, or another message at the stored offset', () => {
    expect(judgeStream(applied(1_000n, A), extent(-1n, -1n), undefined).kind).toBe('stream_reset');
    expect(judgeStream(applied(1_000n, A), extent(0n, 40n), undefined).kind).toBe('stream_reset');
    expect(judgeStream(applied(1_000n, A), extent(0n, 5_000n), { offset: 1_000n, fingerprint: B }).kind).toBe('stream_reset');
    expect(judgeStream(applied(1_000n, A), extent(0n, 5_000n), { offset: 1_002n, fingerprint: A }).kind).toBe('stream_reset');
  });

  it('does not guess when the message that should be there could not be read: unverified', () => {
    expect(judgeStream(applied(1_000n, A), extent(0n, 5_000n), undefined)).toEqual({ kind: 'unverified', needed: 1_001n, firstRetained: 0n });
  });

  it('fingerprints are short, stable digests of the body', () => {
    expect(fingerprintOf(Buffer.from('event A'))).toBe(A);
    expect(A).toHaveLength(16);
    expect(A).not.toBe(B);
  });
});
