import { testCluster } from '@demo/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createConfirmingPublisher,
  createSingleActiveConsumer,
  createStreamConnection,
  ensureStream,
  type OutgoingMessage,
  type StreamConnection,
} from '../src/index.js';
import { brokerSettings, uniqueStream, until } from './helpers.js';

// A stream replicated on the tests' own three-node cluster: its leader dies (kill -9) while a
// publisher and two single active consumers work on it.

const open: Array<{ close(): Promise<void> }> = [];
let killed: number | undefined;

beforeAll(async () => {
  await testCluster.up();
}, 180_000);

afterAll(async () => {
  for (const resource of open.reverse()) await resource.close().catch(() => undefined);
  if (killed !== undefined) await testCluster.infra('rabbitmq-start', String(killed));
}, 180_000);

function clusterConnection(name: string): StreamConnection {
  const connection = createStreamConnection({ ...brokerSettings, nodes: testCluster.nodes, connectionName: name, connectTimeoutMs: 3_000 });
  connection.start();
  open.push(connection);
  return connection;
}

function messages(from: number, count: number): OutgoingMessage[] {
  return Array.from({ length: count }, (_, i) => ({
    publishingId: BigInt(from + i),
    body: Buffer.from(JSON.stringify({ n: from + i })),
    annotations: { event_id: `e-${from + i}` },
  }));
}

describe('on a three-node cluster', () => {
  it('keeps publishing and consuming, without gap or duplicate, when the stream leader is killed', async () => {
    // Given a stream with three members, a publisher and two consumers connected through the node list
    const stream = uniqueStream('cluster');
    const writer = clusterConnection('cluster-writer');
    writer.onReady((client) => ensureStream(client, stream, { 'max-length-bytes': 10_000_000, 'initial-cluster-size': 3 }));
    const publisher = createConfirmingPublisher(writer, { stream, publisherRef: 'cluster-pub', confirmTimeoutMs: 3_000 });
    open.push(publisher);
    await until(() => publisher.isReady, 20_000, 'publisher ready');
    // What each message says (its n): offsets are not enough, the consumers' stored offsets take some.
    const received: Array<[string, number]> = [];
    let lastOffset: bigint | undefined;
    for (const name of ['a', 'b']) {
      const consumer = createSingleActiveConsumer(clusterConnection(`cluster-${name}`), {
        stream,
        consumerRef: 'cluster-group',
        resumeFrom: async () => (lastOffset === undefined ? 'first' : lastOffset + 1n),
        handleBatch: async (batch) => {
          for (const message of batch) received.push([name, (JSON.parse(message.body.toString()) as { n: number }).n]);
          lastOffset = batch.at(-1)?.offset;
        },
      });
      consumer.start();
      open.push(consumer);
    }
    await publisher.publish(messages(1, 300));
    await until(() => received.length === 300, 20_000, 'first 300');

    // When the leader's node is killed
    killed = await testCluster.leaderOf(stream);
    const killedAt = Date.now();
    await testCluster.infra('rabbitmq-kill', String(killed));

    // Then publishing resumes on the new leader (a failed publish is sent again with the same ids)
    let published = 300;
    while (published < 600 && Date.now() - killedAt < 60_000) {
      const next = messages(published + 1, 100);
      try {
        await publisher.publish(next);
        published += 100;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    const recovered = Date.now() - killedAt;
    expect(published).toBe(600);
    // ... and exactly one consumer reads every message once, in order
    await until(() => received.length >= 600, 30_000, 'all 600');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received.map(([, n]) => n)).toEqual(Array.from({ length: 600 }, (_, i) => i + 1));
    console.log(`leader (node ${killed}) killed: 300 more messages confirmed ${recovered} ms after the kill`);
    await testCluster.infra('rabbitmq-start', String(killed));
    killed = undefined;
  }, 180_000);
});
