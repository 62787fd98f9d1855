/** Reads the `customer` stream back: its tail before a run, and every event after it. */
import { decodeEvent } from '@demo/contract';
import { createStreamConnection, streamTail, type StreamConnection } from '@demo/stream';
import { Offset } from 'rabbitmq-stream-js-client';
import { pollUntil } from './poll.js';
import type { Settings } from './settings.js';
import type { StreamEvent } from './verify/fold.js';

export function openStreamConnection(settings: Settings, purpose: string): StreamConnection {
  const connection = createStreamConnection({
    host: settings.stream.host,
    port: settings.stream.port,
    ...(settings.stream.nodes ? { nodes: settings.stream.nodes } : {}),
    user: settings.stream.user,
    password: settings.stream.password,
    vhost: settings.stream.vhost,
    connectionName: `reliability-${purpose}-${process.pid}`,
  });
  connection.start();
  return connection;
}

/** First offset of the stream's last chunk (-1 when empty): reading from there misses nothing later. */
export async function tailOffset(settings: Settings): Promise<bigint> {
  const connection = openStreamConnection(settings, 'tail');
  try {
    return await streamTail(await connection.ready(), settings.stream.name);
  } finally {
    await connection.close();
  }
}

export interface ReadResult {
  events: StreamEvent[];
  messages: number;
  /** Messages that are not valid events (poison published by the bad-input check, or worse). */
  undecodable: number;
}

/**
 * Every message from `from` up to the stream's current tail, decoded with the contract's codec.
 * Stops once a message at or past the tail has arrived and nothing more came for `idleMs`, or
 * nothing came for `quietMs`: the last chunk may be an offset-tracking chunk (order-service stores
 * its offset on the broker), which takes an offset but is never delivered. Stopping early cannot
 * hide a loss: the verifier then finds the versions it did not read missing.
 */
export async function readEvents(settings: Settings, from: bigint, options: { timeoutMs?: number; idleMs?: number } = {}): Promise<ReadResult> {
  const connection = openStreamConnection(settings, 'reader');
  const events: StreamEvent[] = [];
  let messages = 0;
  let undecodable = 0;
  let lastOffset = -1n;
  let lastArrival = performance.now();
  try {
    const client = await connection.ready();
    const tail = await streamTail(client, settings.stream.name);
    if (tail < 0n || tail < from) return { events, messages, undecodable };
    await client.declareConsumer(
      { stream: settings.stream.name, offset: from < 0n ? Offset.first() : Offset.offset(from) },
      (message) => {
        messages++;
        lastArrival = performance.now();
        const offset = message.offset ?? -1n;
        if (offset > lastOffset) lastOffset = offset;
        const decoded = decodeEvent(message.content, message.messageAnnotations as Record<string, unknown> | undefined);
        if (!decoded.ok) {
          undecodable++;
          return;
        }
        const { event } = decoded;
        events.push({
          offset,
          eventId: event.metadata.event_id,
          type: event.type,
          customerId: event.data.customer_id,
          version: event.data.version,
          address: 'address' in event.data ? event.data.address : undefined,
        });
      },
    );
    const idleMs = options.idleMs ?? 750;
    const quietMs = 3_000;
    await pollUntil(async () => {
      const idle = performance.now() - lastArrival;
      return (lastOffset >= tail && idle >= idleMs) || idle >= quietMs;
    }, {
      timeoutMs: options.timeoutMs ?? 180_000,
      intervalMs: 50,
      what: `reading the stream from offset ${from} to ${tail}`,
    });
    return { events, messages, undecodable };
  } finally {
    await connection.close();
  }
}
