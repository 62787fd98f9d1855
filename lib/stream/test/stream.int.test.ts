import { afterEach, describe, expect, it } from 'vitest';
import {
  createConfirmingPublisher,
  createSingleActiveConsumer,
  ensureStream,
  ensureSuperStream,
  partitionStreams,
  requirePartition,
  requireStream,
  streamBounds,
  type OutgoingMessage,
  type SingleActiveConsumer,
  type StreamConnection,
  type StreamMessage,
} from '../src/index.js';
import { broker, infra } from '@demo/test-support';
import { newConnection, uniqueStream, until } from './helpers.js';

const open: Array<{ close(): Promise<void> }> = [];
function track<T extends { close(): Promise<void> }>(resource: T): T {
  open.push(resource);
  return resource;
}
afterEach(async () => {
  for (const resource of open.reverse()) await resource.close().catch(() => undefined);
  open.length = 0;
});

function messages(from: number, count: number): OutgoingMessage[] {
  return Array.from({ length: count }, (_, i) => ({
    publishingId: BigInt(from + i),
    body: Buffer.from(JSON.stringify({ n: from + i })),
    annotations: { event_id: `e-${from + i}`, event_type: 'test' },
  }));
}

async function withStream(prefix: string): Promise<{ connection: StreamConnection; stream: string }> {
  const stream = uniqueStream(prefix);
  const connection = track(newConnection(prefix));
  connection.onReady((client) => ensureStream(client, stream, { 'max-length-bytes': 10_000_000 }));
  const client = await connection.ready();
  open.push({ close: () => client.deleteStream({ stream }).then(() => undefined) });
  return { connection, stream };
}

/**
 * What consumers received, in order: [consumer, n of the message] (the test messages are numbered
 * from 1; offsets would not do, the consumers' own stored offsets take some), and where to resume.
 */
interface Received extends Array<[string, number]> {
  lastOffset?: bigint;
}

function record(received: Received, name: string, batch: StreamMessage[]) {
  for (const message of batch) received.push([name, (JSON.parse(message.body.toString()) as { n: number }).n]);
  received.lastOffset = batch.at(-1)?.offset ?? received.lastOffset;
}

const resumeAfter = (received: Received) => async () => (received.lastOffset === undefined ? ('first' as const) : received.lastOffset + 1n);
const numbered = (count: number, from = 1) => Array.from({ length: count }, (_, i) => from + i);

function collector(connection: StreamConnection, stream: string, name: string, received: Received) {
  return track(
    createSingleActiveConsumer(connection, {
      stream,
      consumerRef: 'test-group',
      resumeFrom: resumeAfter(received),
      handleBatch: async (batch: StreamMessage[]) => record(received, name, batch),
    }),
  );
}

describe('confirming publisher', () => {
  it('resolves only after the broker confirmed, and the broker drops a resent publishing id', async () => {
    // Given
    const { connection, stream } = await withStream('pub');
    const publisher = track(createConfirmingPublisher(connection, { stream, publisherRef: 'test-pub' }));
    await until(async () => (await publisher.lastPublishingId().catch(() => -1n)) === 0n, 5_000, 'publisher ready');
    // When
    await publisher.publish(messages(1, 300));
    await publisher.publish(messages(101, 100)); // a retry of ids already stored
    // Then
    expect(await publisher.lastPublishingId()).toBe(300n);
    const received: Received = [];
    collector(connection, stream, 'reader', received).start();
    await until(() => received.length >= 300, 10_000, '300 messages');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received).toHaveLength(300);
  });
});

describe('single active consumer', () => {
  it('delivers to one instance at a time and hands over on close without gap or duplicate', async () => {
    // Given two instances on their own connections
    const { connection, stream } = await withStream('sac');
    const publisher = track(createConfirmingPublisher(connection, { stream, publisherRef: 'test-pub' }));
    await until(async () => (await publisher.lastPublishingId().catch(() => -1n)) === 0n, 5_000, 'publisher ready');
    await publisher.publish(messages(1, 500));
    const received: Received = [];
    const a = collector(track(newConnection('a')), stream, 'a', received);
    const b = collector(track(newConnection('b')), stream, 'b', received);
    a.start();
    b.start();
    await until(() => received.length === 500, 10_000, 'first 500');
    const consumers: Record<string, SingleActiveConsumer> = { a, b };
    const active = a.role === 'active' ? 'a' : 'b';
    const standby = active === 'a' ? 'b' : 'a';
    expect(consumers[standby]?.role).toBe('standby');
    expect(new Set(received.map(([name]) => name))).toEqual(new Set([active]));

    // When the active one closes and more messages arrive
    await consumers[active]?.close();
    await publisher.publish(messages(501, 500));

    // Then the standby takes over after the last handled offset
    await until(() => received.length >= 1000, 10_000, 'all 1000');
    expect(consumers[standby]?.role).toBe('active');
    expect(received.map(([, n]) => n)).toEqual(numbered(1000));
    expect(received.slice(500).every(([name]) => name === standby)).toBe(true);
  });

  it('retries a failing batch until it succeeds, without skipping', async () => {
    const { connection, stream } = await withStream('retry');
    const publisher = track(createConfirmingPublisher(connection, { stream, publisherRef: 'test-pub' }));
    await until(async () => (await publisher.lastPublishingId().catch(() => -1n)) === 0n, 5_000, 'publisher ready');
    await publisher.publish(messages(1, 50));
    const applied: bigint[] = [];
    let failures = 3;
    track(
      createSingleActiveConsumer(connection, {
        stream,
        consumerRef: 'retry-group',
        resumeFrom: async () => 'first',
        handleBatch: async (batch) => {
          if (failures-- > 0) throw new Error('database blip');
          applied.push(...batch.map((message) => message.offset));
        },
      }),
    ).start();
    await until(() => applied.length >= 50, 15_000, '50 applied');
    expect(applied).toEqual(Array.from({ length: 50 }, (_, i) => BigInt(i)));
  });

  it('hands over gap-free, ordered batches when many small chunks are in flight at once', async () => {
    // Given a stream written as many small chunks (one small confirmed publish at a time)
    const { connection, stream } = await withStream('chunks');
    const publisher = track(createConfirmingPublisher(connection, { stream, publisherRef: 'test-pub' }));
    await until(async () => (await publisher.lastPublishingId().catch(() => -1n)) === 0n, 5_000, 'publisher ready');
    const total = 3_000;
    for (let from = 1; from <= total; from += 3) await publisher.publish(messages(from, 3));
    // When a consumer with several chunks of credit outstanding applies slowly
    const batches: bigint[][] = [];
    track(
      createSingleActiveConsumer(track(newConnection('chunks-reader')), {
        stream,
        consumerRef: 'chunks-group',
        chunksInFlight: 16,
        maxBatchSize: 200,
        resumeFrom: async () => 'first',
        handleBatch: async (batch) => {
          batches.push(batch.map((message) => message.offset));
          await new Promise((resolve) => setTimeout(resolve, 2));
        },
      }),
    ).start();
    await until(() => batches.flat().length >= total, 30_000, `${total} applied`);
    // Then every batch continues exactly where the previous one ended: no gap, no reordering
    expect(batches.flat()).toEqual(Array.from({ length: total }, (_, i) => BigInt(i)));
    expect(batches.length).toBeGreaterThan(1);
  });

  it('prepares the next batch while the current one is applied, and hands each batch its own preparation', async () => {
    // Given a backlog of several batches
    const { connection, stream } = await withStream('ahead');
    const publisher = track(createConfirmingPublisher(connection, { stream, publisherRef: 'test-pub' }));
    await until(async () => (await publisher.lastPublishingId().catch(() => -1n)) === 0n, 5_000, 'publisher ready');
    const total = 2_000;
    for (let from = 1; from <= total; from += 100) await publisher.publish(messages(from, 100));
    // When batches are applied slowly (as a database would) by a consumer that prepares batches
    const applied: bigint[] = [];
    let applying = false;
    let preparedWhileApplying = 0;
    const mismatches: string[] = [];
    let failures = 2;
    track(
      createSingleActiveConsumer(track(newConnection('ahead-reader')), {
        stream,
        consumerRef: 'ahead-group',
        maxBatchSize: 100,
        resumeFrom: async () => 'first',
        prepareBatch: (batch) => {
          if (applying) preparedWhileApplying++;
          return batch.map((message) => message.offset);
        },
        handleBatch: async (batch, prepared) => {
          const offsets = batch.map((message) => message.offset);
          if (prepared === undefined || prepared.join() !== offsets.join()) mismatches.push(`${offsets[0]}: ${String(prepared?.[0])}`);
          applying = true;
          await new Promise((resolve) => setTimeout(resolve, 5));
          applying = false;
          if (applied.length >= 500 && failures-- > 0) throw new Error('database blip'); // retried with its preparation
          applied.push(...offsets);
        },
      }),
    ).start();
    await until(() => applied.length >= total, 30_000, `${total} applied`);
    // Then nothing is skipped or reordered, every batch got the preparation of its own messages,
    // and preparing overlapped applying
    expect(applied).toEqual(Array.from({ length: total }, (_, i) => BigInt(i)));
    expect(mismatches).toEqual([]);
    expect(preparedWhileApplying).toBeGreaterThan(5);
  });
});

describe('a stream restart (the broker closes the stream\'s publishers and consumers)', () => {
  it('declares the publisher and the consumer again and goes on without gap, duplicate or crash', async () => {
    // Given a publisher and two single active consumers on their own connections
    const { connection, stream } = await withStream('restart');
    const publisher = track(createConfirmingPublisher(connection, { stream, publisherRef: 'test-pub' }));
    await until(async () => (await publisher.lastPublishingId().catch(() => -1n)) === 0n, 5_000, 'publisher ready');
    const received: Received = [];
    const a = collector(track(newConnection('restart-a')), stream, 'a', received);
    const b = collector(track(newConnection('restart-b')), stream, 'b', received);
    a.start();
    b.start();
    await publisher.publish(messages(1, 200));
    await until(() => received.length === 200, 10_000, 'first 200');

    // When the stream is restarted (what the broker does when its leader moves)
    await infra('restart-stream', stream);
    await until(() => !publisher.isReady, 5_000, 'publisher noticed the restart');

    // Then the publisher is declared again and resumes where the broker stands
    await until(() => publisher.isReady, 15_000, 'publisher declared again');
    expect(await publisher.lastPublishingId()).toBe(200n);
    await publisher.publish(messages(201, 200));
    // ... and exactly one consumer (by the broker's word) reads on, after the last handled offset
    await until(() => received.length >= 400, 15_000, 'all 400');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received.map(([, n]) => n)).toEqual(numbered(400));
    expect([a.role, b.role].sort()).toEqual(['active', 'standby']);
  });
});

describe('a super stream with single active consumer per partition', () => {
  it('spreads the active partitions over the instances, and moves them to the survivor', async () => {
    // Given a super stream of 3 partitions and two instances, each subscribing to every partition
    const superStream = uniqueStream('super');
    const admin = track(newConnection('super-admin'));
    const client = await admin.ready();
    await ensureSuperStream(client, superStream, 3, { 'max-length-bytes': 10_000_000 });
    open.push({ close: () => client.deleteSuperStream({ streamName: superStream }).then(() => undefined) });
    const partitions = partitionStreams(superStream, 3);
    const received = new Map<string, Received>(partitions.map((p) => [p, []]));
    function instance(name: string) {
      const connection = track(newConnection(`super-${name}`));
      return partitions.map((partition) =>
        track(
          createSingleActiveConsumer(connection, {
            stream: partition,
            superStream,
            consumerRef: 'super-group',
            resumeFrom: resumeAfter(received.get(partition)!),
            handleBatch: async (batch) => record(received.get(partition)!, name, batch),
          }),
        ),
      );
    }
    const a = instance('a');
    for (const consumer of a) consumer.start();
    await until(() => a.every((c) => c.role === 'active'), 10_000, 'a active on every partition while alone');
    const b = instance('b');
    for (const consumer of b) consumer.start();

    // When both are subscribed, then one of them leaves
    await until(() => b.some((c) => c.role === 'active'), 15_000, 'b active on some partition');
    const spread = partitions.map((_, i) => [a[i]!.role, b[i]!.role]);
    const publishers = partitions.map((partition) => track(createConfirmingPublisher(admin, { stream: partition, publisherRef: 'p' })));
    await until(() => publishers.every((p) => p.isReady), 5_000, 'publishers ready');
    for (const publisher of publishers) await publisher.publish(messages(1, 50));
    await until(() => [...received.values()].every((r) => r.length === 50), 10_000, '50 per partition');
    for (const consumer of a) await consumer.close();
    for (const publisher of publishers) await publisher.publish(messages(51, 50));

    // Then each partition had exactly one active instance, both instances held some, and the
    // survivor read on after the last offset handled, without gap or duplicate
    expect(spread.every(([x, y]) => [x, y].sort().join() === 'active,standby')).toBe(true);
    expect(spread.some(([x]) => x === 'active') && spread.some(([, y]) => y === 'active')).toBe(true);
    await until(() => [...received.values()].every((r) => r.length >= 100), 15_000, '100 per partition');
    for (const rows of received.values()) {
      expect(rows.map(([, n]) => n)).toEqual(numbered(100));
      expect(rows.slice(50).every(([name]) => name === 'b')).toBe(true);
    }
  });
});

describe('stream bounds', () => {
  it('report the first retained offset once retention removed the first segments', async () => {
    // Given a stream of small segments and a small size limit
    const stream = uniqueStream('bounds');
    const connection = track(newConnection('bounds'));
    connection.onReady((client) => ensureStream(client, stream, { 'max-length-bytes': 400_000, 'stream-max-segment-size-bytes': 100_000 }));
    const client = await connection.ready();
    open.push({ close: () => client.deleteStream({ stream }).then(() => undefined) });
    const publisher = track(createConfirmingPublisher(connection, { stream, publisherRef: 'bounds' }));
    await until(() => publisher.isReady, 5_000, 'publisher ready');
    expect(await streamBounds(client, stream)).toEqual({ firstRetained: -1n, committedChunk: -1n });
    // When far more than the limit is written (2,000 messages of 1 KB)
    const big = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => ({ publishingId: BigInt(from + i), body: Buffer.alloc(1_000, 65), annotations: {} }));
    for (let from = 1; from <= 2_000; from += 200) await publisher.publish(big(from, 200));
    // Then the first segments are gone: the first retained offset moved past 0, below the tail
    await until(async () => (await streamBounds(client, stream)).firstRetained > 0n, 15_000, 'retention');
    const bounds = await streamBounds(client, stream);
    expect(bounds.firstRetained).toBeGreaterThan(0n);
    expect(bounds.committedChunk).toBeGreaterThan(bounds.firstRetained);
  });
});

describe('instances joining a super stream at once', () => {
  it('end with exactly one active instance per partition, even when promotions are slow to read their offsets', async () => {
    // Given a super stream of 3 partitions and three instances whose promotion takes a while
    const superStream = uniqueStream('join');
    const admin = track(newConnection('join-admin'));
    const client = await admin.ready();
    await ensureSuperStream(client, superStream, 3, { 'max-length-bytes': 10_000_000 });
    open.push({ close: () => client.deleteSuperStream({ streamName: superStream }).then(() => undefined) });
    const partitions = partitionStreams(superStream, 3);
    // When they all subscribe at once (the broker rebalances while promotions are under way)
    const instances = ['a', 'b', 'c'].map((name) => {
      const connection = track(newConnection(`join-${name}`));
      return partitions.map((partition) =>
        track(
          createSingleActiveConsumer(connection, {
            stream: partition,
            superStream,
            consumerRef: 'join-group',
            resumeFrom: async () => {
              await new Promise((resolve) => setTimeout(resolve, 300));
              return 'first';
            },
            handleBatch: async () => undefined,
          }),
        ),
      );
    });
    for (const consumers of instances) for (const consumer of consumers) consumer.start();
    // Then, once settled, each partition has exactly one active instance
    const actives = () => partitions.map((_, i) => instances.filter((consumers) => consumers[i]!.role === 'active').length);
    await until(() => actives().every((count) => count === 1), 15_000, 'one active instance per partition');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(actives()).toEqual([1, 1, 1]);
  });
});

describe('a partition of a super stream that is not bound yet', () => {
  it('is not required to be there until the super stream binds it (a consumer registered before would get a plain group)', async () => {
    // Given the partition streams of a super stream, declared before its exchange binds them (as the broker does)
    const superStream = uniqueStream('unbound');
    const partitions = partitionStreams(superStream, 2);
    const connection = track(newConnection('unbound'));
    const client = await connection.ready();
    for (const stream of partitions) {
      await ensureStream(client, stream, { 'max-length-bytes': 1_000_000 });
      open.push({ close: () => client.deleteStream({ stream }).then(() => undefined) });
    }
    const management = async (method: string, path: string, body: unknown) => {
      const response = await fetch(`${broker.managementUrl}/api/${path}`, {
        method,
        headers: { authorization: `Basic ${Buffer.from(`${broker.user}:${broker.password}`).toString('base64')}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.ok, `${method} ${path}: ${response.status}`).toBe(true);
    };
    open.push({ close: () => fetch(`${broker.managementUrl}/api/exchanges/%2F/${superStream}`, { method: 'DELETE', headers: { authorization: `Basic ${Buffer.from(`${broker.user}:${broker.password}`).toString('base64')}` } }).then(() => undefined) });

    // Then a partition's stream exists, yet it is not required to be there: nothing binds it
    await requireStream(client, partitions[1]!);
    await expect(requirePartition(client, superStream, partitions[1]!)).rejects.toThrow(/not there \(yet\)|not bound/);

    // When the super stream's exchange binds the first partition only
    await management('PUT', `exchanges/%2F/${superStream}`, { type: 'direct', durable: true, arguments: { 'x-super-stream': true } });
    await management('POST', `bindings/%2F/e/${superStream}/q/${partitions[0]}`, { routing_key: '0', arguments: { 'x-stream-partition-order': 0 } });
    // Then the first is there, the second still is not
    await requirePartition(client, superStream, partitions[0]!);
    await expect(requirePartition(client, superStream, partitions[1]!)).rejects.toThrow(/not bound to super stream/);

    // And once bound, it is
    await management('POST', `bindings/%2F/e/${superStream}/q/${partitions[1]}`, { routing_key: '1', arguments: { 'x-stream-partition-order': 1 } });
    await requirePartition(client, superStream, partitions[1]!);
  });
});
