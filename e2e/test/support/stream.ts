import { randomUUID } from 'node:crypto';
import { decodeEvent, type CustomerEvent } from '@demo/contract';
import { createStreamConnection, streamTail, type StreamConnection } from '@demo/stream';
import { Offset } from 'rabbitmq-stream-js-client';
import type { Message } from 'rabbitmq-stream-js-client/dist/publisher.js';
import { BROKER, STREAM_NAME } from './config.js';
import { eventually } from './eventually.js';

export interface ReadEvent {
  offset: bigint;
  event: CustomerEvent;
}

/** Reads the customer stream (STREAM_NAME) the way an outsider would: a plain consumer from a recent offset. */
export interface StreamReader {
  /** An offset at or before the next event to be published: start searching from here. */
  mark(): Promise<bigint>;
  /** Waits until an event matching `predicate` appears at or after `from`; returns every match. */
  find(from: bigint, predicate: (event: ReadEvent) => boolean, timeoutMs?: number): Promise<ReadEvent[]>;
  close(): Promise<void>;
}

export function openStreamReader(): StreamReader {
  const connection: StreamConnection = createStreamConnection({
    ...BROKER,
    connectionName: `e2e-reader-${randomUUID().slice(0, 8)}`,
    connectTimeoutMs: 5_000,
  });
  connection.start();

  return {
    async mark() {
      const client = await connection.ready();
      return streamTail(client, STREAM_NAME);
    },
    async find(from, predicate, timeoutMs = 10_000) {
      const client = await connection.ready();
      const seen: ReadEvent[] = [];
      const consumer = await client.declareConsumer(
        { stream: STREAM_NAME, offset: from < 0n ? Offset.first() : Offset.offset(from) },
        (message: Message) => {
          const decoded = decodeEvent(message.content, message.messageAnnotations);
          if (decoded.ok && message.offset !== undefined && message.offset >= from) {
            seen.push({ offset: message.offset, event: decoded.event });
          }
        },
      );
      try {
        return await eventually(
          () => {
            const matches = seen.filter(predicate);
            if (matches.length === 0) throw new Error(`no matching event among ${seen.length} read from offset ${from}`);
            return matches;
          },
          { timeoutMs, what: 'event on the customer stream' },
        );
      } finally {
        await client.closeConsumer(consumer.extendedId).catch(() => undefined);
      }
    },
    close: () => connection.close(),
  };
}
