import { randomUUID } from 'node:crypto';
import { CUSTOMER_STREAM_ARGUMENTS, decodeEvent, encodeEvent, type CustomerEvent } from '@demo/contract';
import {
  createConfirmingPublisher,
  createStreamConnection,
  ensureStream,
  type ConfirmingPublisher,
  type OutgoingMessage,
  type StreamConnection,
} from '@demo/stream';
import { broker, suffix, until } from '@demo/test-support';
import { Offset } from 'rabbitmq-stream-js-client';
import { foldEvents, type PositionedEvent, type ReplicaRow } from '../../src/domain/replica-fold.js';

export interface TestStream {
  name: string;
  connection: StreamConnection;
  drop(): Promise<void>;
}

/** A stream of its own for one test file: test-order-<what>-<random>, deleted by drop(). */
export async function createTestStream(what: string): Promise<TestStream> {
  const name = `test-order-${what}-${suffix()}`;
  const connection = createStreamConnection({ ...broker, connectionName: `test ${name}`, connectTimeoutMs: 3_000 });
  connection.onReady((client) => ensureStream(client, name, CUSTOMER_STREAM_ARGUMENTS));
  connection.start();
  await connection.ready();
  return {
    name,
    connection,
    async drop() {
      const client = await connection.ready();
      await client.deleteStream({ stream: name }).catch(() => undefined);
      await connection.close();
    },
  };
}

export type RawMessage = { body: Buffer; annotations: Record<string, string | number> };

/**
 * Publishes events (and raw messages) with strictly increasing publishing ids, waiting for the
 * broker's confirms, and remembers everything published in order: the stream as the test sees it.
 */
export class TestPublisher {
  private nextId = 1n;
  readonly published: Array<CustomerEvent | RawMessage> = [];
  private constructor(private readonly publisher: ConfirmingPublisher) {}

  static async create(connection: StreamConnection, stream: string): Promise<TestPublisher> {
    const publisher = createConfirmingPublisher(connection, { stream, publisherRef: `test-publisher-${randomUUID()}` });
    await until(async () => (await publisher.lastPublishingId().catch(() => -1n)) >= 0n, 10_000, 'test publisher declared');
    return new TestPublisher(publisher);
  }

  async publish(items: ReadonlyArray<CustomerEvent | RawMessage>): Promise<void> {
    const messages: OutgoingMessage[] = items.map((item) => {
      const encoded = 'type' in item ? encodeEvent(item) : item;
      return { publishingId: this.nextId++, body: encoded.body, annotations: encoded.annotations };
    });
    for (let i = 0; i < messages.length; i += 2_000) {
      const chunk = messages.slice(i, i + 2_000);
      // A lost connection (e.g. another suite restarting the broker): resend, the broker deduplicates.
      for (let attempt = 0; ; attempt++) {
        try {
          await this.publisher.publish(chunk);
          break;
        } catch (error) {
          if (attempt >= 100) throw error;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
    }
    this.published.push(...items);
  }

  /** What the stream holds now, read back from the broker (with real offsets). */
  async contents(connection: StreamConnection, stream: string): Promise<StreamContents> {
    return readStream(connection, stream, this.published.length);
  }

  close(): Promise<void> {
    return this.publisher.close();
  }
}

export interface StreamContents {
  /** Offset of the last message in the stream (offsets are not contiguous: the broker's tracking entries take some). */
  lastOffset: bigint;
  messages: Array<{ offset: bigint; body: Buffer; annotations: Record<string, unknown> }>;
}

/** Reads the stream from its first offset until `count` messages arrived: what the applier sees. */
async function readStream(connection: StreamConnection, stream: string, count: number, timeoutMs = 30_000): Promise<StreamContents> {
  const client = await connection.ready();
  const messages: StreamContents['messages'] = [];
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const consumer = await client.declareConsumer({ stream, offset: Offset.first() }, (message) => {
    if (message.offset === undefined) return;
    messages.push({ offset: message.offset, body: message.content, annotations: message.messageAnnotations ?? {} });
    if (messages.length >= count) done();
  });
  const timer = setTimeout(done, timeoutMs);
  await finished;
  clearTimeout(timer);
  await client.closeConsumer(consumer.extendedId).catch(() => undefined);
  if (messages.length < count) throw new Error(`read ${messages.length} of ${count} messages from ${stream}`);
  return { lastOffset: messages[messages.length - 1]!.offset, messages: messages.slice(0, count) };
}

/** The replica the stream should produce: the fold of its valid events, at their real offsets. */
export function foldStream(contents: StreamContents): Map<string, ReplicaRow> {
  const events: PositionedEvent[] = [];
  for (const message of contents.messages) {
    const decoded = decodeEvent(message.body, message.annotations);
    if (decoded.ok) events.push({ offset: message.offset, event: decoded.event });
  }
  return foldEvents(events);
}
