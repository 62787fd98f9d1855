import { randomUUID } from 'node:crypto';
import { decodeEvent, type CustomerEvent } from '@demo/contract';
import { createSingleActiveConsumer, createStreamConnection, type StreamMessage } from '@demo/stream';
import { broker } from '@demo/test-support';

export interface ReceivedEvent {
  offset: bigint;
  event: CustomerEvent;
  body: string;
  annotations: Record<string, unknown>;
}

/** Reads the stream from its first message into `events` (decoded with the contract). */
export async function readStream(stream: string): Promise<{ events: ReceivedEvent[]; close(): Promise<void> }> {
  const connection = createStreamConnection({
    host: broker.host,
    port: broker.port,
    user: broker.user,
    password: broker.password,
    connectionName: 'test-reader',
    connectTimeoutMs: 3_000,
  });
  connection.start();
  const events: ReceivedEvent[] = [];
  const consumer = createSingleActiveConsumer(connection, {
    stream,
    consumerRef: `test-reader-${randomUUID().slice(0, 8)}`,
    resumeFrom: async () => {
      const last = events.at(-1)?.offset;
      return last === undefined ? 'first' : last + 1n;
    },
    handleBatch: async (batch: StreamMessage[]) => {
      for (const message of batch) {
        const decoded = decodeEvent(message.body, message.annotations);
        if (!decoded.ok) throw new Error(`undecodable event at ${message.offset}: ${decoded.reason} ${decoded.detail}`);
        events.push({
          offset: message.offset,
          event: decoded.event,
          body: message.body.toString('utf8'),
          annotations: message.annotations,
        });
      }
    },
  });
  await connection.ready();
  consumer.start();
  return {
    events,
    async close() {
      await consumer.close();
      await connection.close();
    },
  };
}

/** Event ids that occur more than once (must be none). */
export function duplicates(events: ReceivedEvent[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const { event } of events) {
    if (seen.has(event.metadata.event_id)) twice.add(event.metadata.event_id);
    seen.add(event.metadata.event_id);
  }
  return [...twice];
}

/** Per customer: versions 1, 2, 3, ... in stream order, nothing missing, nothing repeated; the departures from it. */
export function versionsOutOfOrder(events: ReceivedEvent[]): string[] {
  const last = new Map<string, number>();
  const problems: string[] = [];
  for (const { event, offset } of events) {
    const id = event.data.customer_id;
    const expected = (last.get(id) ?? 0) + 1;
    if (event.data.version !== expected) problems.push(`${id}: version ${event.data.version} at ${offset}, expected ${expected}`);
    last.set(id, event.data.version);
  }
  return problems;
}
