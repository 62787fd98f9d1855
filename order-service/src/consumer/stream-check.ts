import { readMessageAt, streamBounds, type StreamConnection } from '@demo/stream';
import type { StoredPosition } from '../db/position.js';
import { fingerprintOf, judgeStream, type MessageSeen, type StreamExtent, type Verdict } from '../domain/stream-integrity.js';

/**
 * Asks the broker for the stream's extent and reads back the message at the stored offset, then
 * judges (domain/stream-integrity.ts) whether consuming from the stored position is correct.
 */
export async function checkStream(
  connection: StreamConnection,
  stream: string,
  position: Pick<StoredPosition, 'lastOffset' | 'lastFingerprint'>,
  /** The stream's extent when the caller read it already (one reading for a whole report). */
  known?: StreamExtent,
): Promise<Verdict> {
  const client = await connection.ready();
  const extent = known ?? (await streamBounds(client, stream));
  let seen: MessageSeen | undefined;
  const last = position.lastOffset;
  if (last !== null && position.lastFingerprint !== null && extent.committedChunk >= 0n && last >= extent.firstRetained) {
    const message = await readMessageAt(client, stream, last);
    if (message) seen = { offset: message.offset, fingerprint: fingerprintOf(message.body) };
  }
  return judgeStream(position, extent, seen);
}
