import { errorMessage, sleep, withTimeout } from '@demo/async';
import { readMessageAt, type ManagementApi } from '@demo/stream';
import { Offset, type Client } from 'rabbitmq-stream-js-client';

/**
 * What an operator asks the broker about a stream beyond its statistics (lib/stream streamBounds):
 * read with short-lived plain consumers and queries, never writing anything.
 */

/**
 * The offset the broker stores for a consumer reference (order-service stores it every few
 * seconds, for the management UI; the replica's own position is in order_db). Null when none is
 * stored (the broker answers code 19, no offset).
 */
export async function brokerStoredOffset(client: Client, stream: string, reference: string): Promise<bigint | null> {
  try {
    return await client.queryOffset({ reference, stream });
  } catch (error) {
    if (/code 19\b/.test(errorMessage(error))) return null;
    throw error;
  }
}

/**
 * The offset of the stream's last message: the broker's statistics only give the first offset of
 * its last committed chunk, which may also be an offset-tracking entry. A consumer from
 * Offset.last() is handed the last chunk of messages whole; undefined when no message arrives
 * within `timeoutMs` (a stream without messages).
 */
export async function lastMessageOffset(client: Client, stream: string, timeoutMs = 2_000): Promise<bigint | undefined> {
  let last: bigint | undefined;
  let arrived: () => void = () => undefined;
  const first = new Promise<void>((resolve) => (arrived = resolve));
  const consumer = await client.declareConsumer({ stream, offset: Offset.last() }, (message) => {
    if (message.offset === undefined) return;
    if (last === undefined || message.offset > last) last = message.offset;
    arrived();
  });
  try {
    await withTimeout(first, timeoutMs, 'last message').catch(() => undefined);
    await sleep(100); // the rest of that chunk, delivered with its first message
    return last;
  } finally {
    await client.closeConsumer(consumer.extendedId).catch(() => undefined);
  }
}

/** The first message at or after `offset`, with the time its event says it happened (its body's `timestamp`). */
export async function eventAt(client: Client, stream: string, offset: bigint): Promise<{ offset: bigint; eventTime: Date | undefined } | undefined> {
  const message = await readMessageAt(client, stream, offset);
  return message && { offset: message.offset, eventTime: eventTimeOf(message.body) };
}

/** The `timestamp` every event body carries (see lib/contract), if this body has a valid one. */
export function eventTimeOf(body: Buffer): Date | undefined {
  try {
    const timestamp = (JSON.parse(body.toString('utf8')) as { timestamp?: unknown }).timestamp;
    if (typeof timestamp !== 'string') return undefined;
    const time = new Date(timestamp);
    return Number.isNaN(time.getTime()) ? undefined : time;
  } catch {
    return undefined;
  }
}

/** What the management API says of a stream (GET /api/queues/<vhost>/<stream>); null where it says nothing. */
export interface StreamQueueStatistics {
  messages: number | null;
  segments: number | null;
  /** RabbitMQ 4.0 does not report a stream's size on this endpoint. */
  bytes: number | null;
}

export async function streamQueueStatistics(management: ManagementApi, stream: string): Promise<StreamQueueStatistics> {
  const vhost = encodeURIComponent(management.vhost ?? '/');
  const response = await fetch(`${management.url.replace(/\/+$/, '')}/api/queues/${vhost}/${encodeURIComponent(stream)}`, {
    headers: { authorization: `Basic ${Buffer.from(`${management.user}:${management.password}`).toString('base64')}` },
    signal: AbortSignal.timeout(3_000),
  });
  if (!response.ok) throw new Error(`the management API answered ${response.status}`);
  const body = (await response.json()) as Record<string, unknown>;
  const numberOf = (key: string) => (typeof body[key] === 'number' ? body[key] : null);
  return { messages: numberOf('messages'), segments: numberOf('segments'), bytes: numberOf('message_bytes') };
}
