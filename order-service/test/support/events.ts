import { randomUUID } from 'node:crypto';
import { decodeEvent, encodeEvent, type CustomerEvent } from '@demo/contract';
import { Offset } from 'rabbitmq-stream-js-client';
import { createConfirmingPublisher, type ConfirmingPublisher, type OutgoingMessage, type StreamConnection } from '@demo/stream';
import { foldEvents, type PositionedEvent, type ReplicaRow } from '../../src/domain/replica-fold.js';

function metadata() {
  const id = randomUUID();
  return { event_id: id, correlation_id: id, schema_version: 1 };
}

export function created(customerId: string, address: string, version = 1, timestamp = new Date().toISOString()): CustomerEvent {
  return {
    type: 'customer.created',
    data: { customer_id: customerId, name: 'Test Customer', email: `${customerId}@example.com`, address, version, timestamp },
    metadata: metadata(),
  };
}
export function addressUpdated(customerId: string, address: string, version: number): CustomerEvent {
  return {
    type: 'customer.address.updated',
    data: { customer_id: customerId, address, version, timestamp: new Date().toISOString() },
    metadata: metadata(),
  };
}
export function deleted(customerId: string, version: number): CustomerEvent {
  return { type: 'customer.deleted', data: { customer_id: customerId, version, timestamp: new Date().toISOString() }, metadata: metadata() };
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
    const deadline = Date.now() + 10_000;
    while ((await publisher.lastPublishingId().catch(() => -1n)) < 0n) {
      if (Date.now() > deadline) throw new Error('publisher not declared');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
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

/** Customers with a mix of histories: created only, updated (sometimes to `unknown`), deleted. */
export function customerHistories(count: number): CustomerEvent[][] {
  return Array.from({ length: count }, (_, i) => {
    const id = randomUUID();
    const history: CustomerEvent[] = [created(id, `${i} Main Street`)];
    if (i % 3 === 1) history.push(addressUpdated(id, `${i} Second Street`, 2), addressUpdated(id, i % 2 ? 'unknown' : `${i} Third`, 3));
    if (i % 7 === 2) history.push(deleted(id, history.length + 1));
    return history;
  });
}

/** Interleaves histories the way a busy producer would: per customer in order, across customers mixed. */
export function interleave(histories: CustomerEvent[][]): CustomerEvent[] {
  const out: CustomerEvent[] = [];
  const cursors = histories.map(() => 0);
  let left = histories.reduce((sum, history) => sum + history.length, 0);
  let i = 0;
  while (left > 0) {
    const h = i++ % histories.length;
    const history = histories[h]!;
    if (cursors[h]! < history.length) {
      out.push(history[cursors[h]!]!);
      cursors[h]!++;
      left--;
    }
  }
  return out;
}

export interface StreamContents {
  /** Offset of the last message in the stream (offsets are not contiguous: the broker's tracking entries take some). */
  lastOffset: bigint;
  messages: Array<{ offset: bigint; body: Buffer; annotations: Record<string, unknown> }>;
}

/** Reads the stream from its first offset until `count` messages arrived: what the applier sees. */
export async function readStream(connection: StreamConnection, stream: string, count: number, timeoutMs = 30_000): Promise<StreamContents> {
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
