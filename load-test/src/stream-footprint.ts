import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { CUSTOMER_STREAM_ARGUMENTS } from '@demo/contract';
import { openStreamClient, type StreamSettings } from './baselines/stream.js';

/**
 * How much of the stream's retention a run's events take: bytes per event on the broker's disk
 * (the stream's segment files, from `scripts/infra.sh stream-bytes`, so a broker on this machine
 * only), the events the stream holds (its offsets), and what fits in its max-length-bytes.
 */
export interface StreamFootprint {
  stream: string;
  segmentBytes: number;
  /** Offsets the stream holds, from its first retained one to its last committed chunk (≈ its events). */
  events: number;
  firstRetainedOffset: string;
  bytesPerEvent: number;
  maxLengthBytes: number;
  /** maxLengthBytes / bytesPerEvent. */
  eventsThatFit: number;
}

const run = promisify(execFile);

/** Bytes per event and the events that fit in the retention. Pure. */
export function footprintOf(stream: string, segmentBytes: number, firstRetained: bigint, committedChunk: bigint, maxLengthBytes: number): StreamFootprint | undefined {
  const events = Number(committedChunk - firstRetained) + 1;
  if (firstRetained < 0n || events <= 0 || segmentBytes <= 0) return undefined;
  const bytesPerEvent = segmentBytes / events;
  return {
    stream,
    segmentBytes,
    events,
    firstRetainedOffset: firstRetained.toString(),
    bytesPerEvent,
    maxLengthBytes,
    eventsThatFit: Math.floor(maxLengthBytes / bytesPerEvent),
  };
}

export async function measureStreamFootprint(repoRoot: string, settings: StreamSettings, stream: string): Promise<StreamFootprint | { notMeasured: string }> {
  let segmentBytes: number;
  try {
    const { stdout } = await run('bash', [path.join(repoRoot, 'scripts/infra.sh'), 'stream-bytes', stream], { timeout: 10_000 });
    segmentBytes = Number(stdout.trim());
  } catch (error) {
    return { notMeasured: `the stream's files are not on this machine (${(error as Error).message.split('\n')[0]})` };
  }
  const client = await openStreamClient(settings, 'load-test-stream-footprint');
  try {
    const stats = await client.streamStatsRequest(stream).catch(() => undefined);
    if (!stats) return { notMeasured: `no stream ${stream} (a super stream's partitions are not measured)` };
    const footprint = footprintOf(stream, segmentBytes, BigInt(stats.firstChunkId), BigInt(stats.committedChunkId), CUSTOMER_STREAM_ARGUMENTS['max-length-bytes']);
    return footprint ?? { notMeasured: 'the stream is empty' };
  } finally {
    await client.close().catch(() => undefined);
  }
}
