import { createHash } from 'node:crypto';

/** Where the replica stands on the stream (the stored position). */
export interface ReplicaPosition {
  lastOffset: bigint | null;
  lastFingerprint: string | null;
}

/** What the broker says of the stream's extent (see lib/stream streamBounds). */
export interface StreamExtent {
  /** -1 when the stream holds nothing. */
  firstRetained: bigint;
  /** First offset of the last committed chunk; -1 when nothing is committed. */
  committedChunk: bigint;
}

/** The message read back at the stored offset, if any: its offset and fingerprint. */
export interface MessageSeen {
  offset: bigint;
  fingerprint: string;
}

export type Verdict =
  /** The stream holds everything from `resumeFrom` on: consume. */
  | { kind: 'ok'; resumeFrom: bigint | 'first' }
  /** Retention removed events the replica never applied: they are gone from the stream. */
  | { kind: 'stream_gap'; needed: bigint; firstRetained: bigint }
  /** The stream is not the one the replica was built from (deleted and declared again). */
  | { kind: 'stream_reset'; needed: bigint; firstRetained: bigint; detail: string }
  /** The message at the stored offset could not be read back although it should exist: ask again later. */
  | { kind: 'unverified'; needed: bigint; firstRetained: bigint };

/** A short digest of a message body, stored with the offset of the last applied message. */
export function fingerprintOf(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex').slice(0, 16);
}

/**
 * Whether the replica can go on consuming the stream without skipping anything: the next offset it
 * needs must still be retained, and the message at its stored offset must be the one it applied
 * (a stream declared again starts its offsets over). Never guesses: anything it cannot prove is
 * reported, not consumed.
 *
 * `seen`: the message read back at the stored offset (undefined when none was found); only
 * consulted when the stored position carries a fingerprint.
 */
export function judgeStream(position: ReplicaPosition, extent: StreamExtent, seen: MessageSeen | undefined): Verdict {
  const last = position.lastOffset;
  const needed = last === null ? 0n : last + 1n;
  const firstRetained = extent.firstRetained;
  if (extent.committedChunk < 0n) {
    if (last === null) return { kind: 'ok', resumeFrom: 'first' };
    return { kind: 'stream_reset', needed, firstRetained, detail: `the stream is empty, the replica applied up to offset ${last}` };
  }
  if (needed < firstRetained) return { kind: 'stream_gap', needed, firstRetained };
  if (last === null) return { kind: 'ok', resumeFrom: 'first' };
  if (position.lastFingerprint === null) return { kind: 'ok', resumeFrom: needed };
  if (seen === undefined) {
    if (extent.committedChunk < last) {
      return { kind: 'stream_reset', needed, firstRetained, detail: `the stream ends before offset ${last}, which the replica applied` };
    }
    return { kind: 'unverified', needed, firstRetained };
  }
  if (seen.offset !== last || seen.fingerprint !== position.lastFingerprint) {
    return { kind: 'stream_reset', needed, firstRetained, detail: `the message at offset ${last} is not the one the replica applied` };
  }
  return { kind: 'ok', resumeFrom: needed };
}
