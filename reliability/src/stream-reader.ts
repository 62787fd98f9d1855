/**
 * Reads the `customer` stream back: its tail before a run, and every event after it. On a super
 * stream, each partition: the partitions number their offsets each from 0, so tails are per stream.
 */
import { decodeEvent, partitionOf } from '@demo/contract';
import { createStreamConnection, fetchStreamArguments, streamBounds, streamTail, type StreamConnection } from '@demo/stream';
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
    ...(settings.stream.tls ? { tls: settings.stream.tls } : {}),
    connectionName: `reliability-${purpose}-${process.pid}`,
  });
  connection.start();
  return connection;
}

/** The stream's (a partition's) max-length-bytes as the broker reports it (management API); undefined when it cannot tell. */
export async function streamMaxBytes(settings: Settings, stream = settings.stream.streams[0]!): Promise<number | undefined> {
  try {
    const args = await fetchStreamArguments(
      { url: settings.managementUrl, user: settings.stream.user, password: settings.stream.password, vhost: settings.stream.vhost },
      stream,
    );
    const bytes = Number(args['max-length-bytes']);
    return Number.isFinite(bytes) && bytes > 0 ? bytes : undefined;
  } catch {
    return undefined;
  }
}

/** The stream's (a partition's) first retained offset (0 until retention removed a segment; -1 when empty). */
export async function firstRetainedOffset(settings: Settings, stream = settings.stream.streams[0]!): Promise<bigint> {
  return (await firstRetainedOffsets(settings, [stream])).get(stream)!;
}

/** firstRetainedOffset of each of `streams` (every stream the events are on, by default), over one connection. */
export async function firstRetainedOffsets(settings: Settings, streams = settings.stream.streams): Promise<Map<string, bigint>> {
  const connection = openStreamConnection(settings, 'bounds');
  try {
    const client = await connection.ready();
    const firsts = new Map<string, bigint>();
    for (const stream of streams) firsts.set(stream, (await streamBounds(client, stream)).firstRetained);
    return firsts;
  } finally {
    await connection.close();
  }
}

/** First offset of the stream's last chunk (-1 when empty): reading from there misses nothing later. */
export async function tailOffset(settings: Settings, stream = settings.stream.streams[0]!): Promise<bigint> {
  return (await tailOffsets(settings, [stream])).get(stream)!;
}

/** tailOffset of each of `streams` (every stream the events are on, by default), over one connection. */
export async function tailOffsets(settings: Settings, streams = settings.stream.streams): Promise<Map<string, bigint>> {
  const connection = openStreamConnection(settings, 'tail');
  try {
    const client = await connection.ready();
    const tails = new Map<string, bigint>();
    // On a cluster formed moments ago the node asked may not serve a new stream's statistics yet
    // ("Stream not available") although its writer is up: asked again, for a while.
    for (const stream of streams) {
      const { tail } = await pollUntil(async () => ({ tail: await streamTail(client, stream) }), {
        timeoutMs: 30_000,
        intervalMs: 500,
        what: `the statistics of stream ${stream}`,
      });
      tails.set(stream, tail);
    }
    return tails;
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
export async function readEvents(
  settings: Settings,
  from: bigint,
  options: { timeoutMs?: number; idleMs?: number; stream?: string } = {},
): Promise<ReadResult> {
  const stream = options.stream ?? settings.stream.streams[0]!;
  const connection = openStreamConnection(settings, 'reader');
  const events: StreamEvent[] = [];
  let messages = 0;
  let undecodable = 0;
  let lastOffset = -1n;
  let lastArrival = performance.now();
  try {
    const client = await connection.ready();
    const tail = await streamTail(client, stream);
    if (tail < 0n || tail < from) return { events, messages, undecodable };
    await client.declareConsumer(
      { stream, offset: from < 0n ? Offset.first() : Offset.offset(from) },
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
      what: `reading ${stream} from offset ${from} to ${tail}`,
    });
    return { events, messages, undecodable };
  } finally {
    await connection.close();
  }
}

/**
 * readEvents of every stream from its tail in `tails` (as tailOffsets took them), one after the
 * other. `misrouted`: events on another partition than their customer's (partitionOf): a customer's
 * order holds only if all its events are on one partition.
 */
export async function readAllEvents(settings: Settings, tails: ReadonlyMap<string, bigint>): Promise<ReadResult & { misrouted: number }> {
  const all = { events: [] as StreamEvent[], messages: 0, undecodable: 0, misrouted: 0 };
  const { partitions, streams } = settings.stream;
  for (const [stream, from] of tails) {
    const read = await readEvents(settings, from, { stream });
    const index = streams.indexOf(stream);
    all.misrouted += read.events.filter((event) => partitionOf(event.customerId, partitions) !== index).length;
    // A loop, not push(...events): a full run reads some 150,000 events, past the arguments a call may take.
    for (const event of read.events) all.events.push(event);
    all.messages += read.messages;
    all.undecodable += read.undecodable;
  }
  return all;
}
