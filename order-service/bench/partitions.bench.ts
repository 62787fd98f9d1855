/**
 * How applying scales with order-service instances on a partitioned stream (prints figures; no
 * thresholds): the same N events (customer histories, routed by customer id) over a super stream of
 * PARTITIONS partitions, applied from the first offset by 1, 2, then 3 instances sharing one
 * replica, each run on a fresh database; events/s and the ratio to one instance. A raw baseline of
 * the same run: one plain consumer reading every partition (no database), events/s.
 * Run: npx tsc -b && npx tsx order-service/bench/partitions.bench.ts   (N=500000 PARTITIONS=3)
 */
import { encodeEvent, partitionOf } from '@demo/contract';
import { createConfirmingPublisher, createStreamConnection, ensureSuperStream, partitionStreams, type OutgoingMessage } from '@demo/stream';
import { broker, createTestDatabase, suffix, until, type ServiceProcess } from '@demo/test-support';
import { sql } from 'kysely';
import { Offset } from 'rabbitmq-stream-js-client';
import { customerHistories, interleave } from '../test/support/events.js';
import { startOrderProcess } from '../test/support/order-process.js';
import { kyselyFor } from '../test/support/replica.js';

const N = Number(process.env.N ?? 500_000);
const PARTITIONS = Number(process.env.PARTITIONS ?? 3);
const INSTANCES = [1, 2, 3];

const superStream = `bench-partitions-${suffix()}`;
const partitions = partitionStreams(superStream, PARTITIONS);
const connection = createStreamConnection({ ...broker, connectionName: 'bench partitions', connectTimeoutMs: 5_000 });
connection.start();
const client = await connection.ready();
await ensureSuperStream(client, superStream, PARTITIONS, { 'max-length-bytes': 2_000_000_000 });

try {
  // The events: customer histories (created, updated, deleted), each customer in its partition.
  let t = performance.now();
  const publishers = partitions.map((stream) => createConfirmingPublisher(connection, { stream, publisherRef: 'bench' }));
  await until(() => publishers.every((publisher) => publisher.isReady), 10_000, 'publishers ready');
  const lastOffsets = partitions.map(() => -1n);
  let published = 0;
  let nextId = 1n;
  while (published < N) {
    const events = interleave(customerHistories(Math.min(5_000, Math.ceil((N - published) / 3)))).slice(0, N - published);
    const byPartition = partitions.map(() => [] as OutgoingMessage[]);
    for (const event of events) {
      const { body, annotations } = encodeEvent(event);
      byPartition[partitionOf(event.data.customer_id, PARTITIONS)]!.push({ publishingId: nextId++, body, annotations });
    }
    await Promise.all(byPartition.map((messages, i) => publishers[i]!.publish(messages)));
    published += events.length;
  }
  for (const publisher of publishers) await publisher.close();
  for (let i = 0; i < PARTITIONS; i++) {
    const stats = await client.streamStatsRequest(partitions[i]!);
    lastOffsets[i] = BigInt(stats.committedChunkId);
  }
  console.log(`published ${N} events over ${PARTITIONS} partitions in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  // Raw baseline: one plain consumer per partition, reading everything, no database.
  t = performance.now();
  let read = 0;
  const readers = await Promise.all(
    partitions.map((stream) => client.declareConsumer({ stream, offset: Offset.first() }, () => void read++)),
  );
  await until(() => read >= N, 120_000, 'raw read of every event', 10);
  const raw = N / ((performance.now() - t) / 1000);
  for (const reader of readers) await client.closeConsumer(reader.extendedId).catch(() => undefined);
  console.log(`raw consume of every partition (no database): ${Math.round(raw)} events/s`);

  const results: Array<{ instances: number; seconds: number; perS: number }> = [];
  for (const count of INSTANCES) {
    const database = await createTestDatabase(`order_bench_partitions_${count}`);
    const db = kyselyFor(database.url);
    const processes: ServiceProcess[] = [];
    try {
      const env = { DATABASE_URL: database.url, STREAM_NAME: superStream, STREAM_PARTITIONS: String(PARTITIONS), CUSTOMER_SNAPSHOT_URL: '' };
      for (let i = 0; i < count; i++) processes.push(await startOrderProcess(`bench-p${count}-${i + 1}`, env, 'warn'));
      await Promise.all(processes.map((p) => p.ready(120_000)));
      const started = performance.now();
      await until(
        async () => {
          const rows = await db.selectFrom('consumer_offsets').select(['stream', 'last_offset']).execute();
          return partitions.every((stream, i) => {
            const row = rows.find((r) => r.stream === stream);
            return row?.last_offset !== null && row?.last_offset !== undefined && BigInt(row.last_offset) >= lastOffsets[i]!;
          });
        },
        600_000,
        `${count} instance(s) applied every partition`,
        50,
      );
      // Measured from the first instance ready: the others join within the same second.
      const seconds = (performance.now() - started) / 1000;
      const customers = await sql<{ n: number }>`SELECT count(*)::int AS n FROM customers`.execute(db);
      results.push({ instances: count, seconds, perS: N / seconds });
      console.log(`${count} instance(s): ${N} events in ${seconds.toFixed(2)} s = ${Math.round(N / seconds)} events/s (replica rows ${customers.rows[0]!.n})`);
    } finally {
      await Promise.all(processes.map((p) => p.stop()));
      await db.destroy();
      await database.drop();
    }
  }
  const base = results[0]!.perS;
  console.log('\ninstances | events/s | ratio to 1 instance | share of the raw consume');
  for (const r of results) console.log(`${r.instances} | ${Math.round(r.perS)} | ${(r.perS / base).toFixed(2)} | ${(r.perS / raw).toFixed(2)}`);
} finally {
  await client.deleteSuperStream({ streamName: superStream }).catch(() => undefined);
  await connection.close();
}
