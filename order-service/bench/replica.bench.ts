/**
 * Figures of the replica pipeline on this machine (prints them; no thresholds):
 *   1. apply throughput replaying N events from the first offset (rebuild while the service runs),
 *   2. failover time for SIGTERM and kill -9 (signal → the standby applies a new event),
 *   3. replication lag p50/p99 (event timestamp → replica commit) while publishing at a steady rate.
 * Run: npx tsc -b && npx tsx order-service/bench/replica.bench.ts   (N=100000 RATE=2000 by default)
 */
import { ORDER_SERVICE_CONSUMER } from '@demo/contract';
import { rebuildReplica } from '../src/db/rebuild.js';
import { createTestDatabase, until, type ServiceProcess } from '@demo/test-support';
import { created, customerHistories, interleave } from '../test/support/events.js';
import { consumerStatus, startOrderProcess } from '../test/support/order-process.js';
import { kyselyFor, storedOffset } from '../test/support/replica.js';
import { createTestStream, TestPublisher } from '../test/support/stream.js';
import { randomUUID } from 'node:crypto';

const N = Number(process.env.N ?? 100_000);
const RATE = Number(process.env.RATE ?? 2_000);
const LAG_SECONDS = Number(process.env.LAG_SECONDS ?? 10);

const database = await createTestDatabase('order_bench');
const stream = await createTestStream('bench');
const publisher = await TestPublisher.create(stream.connection, stream.name);
const db = kyselyFor(database.url);
const processes: ServiceProcess[] = [];
const launch = async (name: string) => {
  const child = await startOrderProcess(name, { DATABASE_URL: database.url, STREAM_NAME: stream.name }, 'info');
  processes.push(child);
  await child.ready();
  return child;
};
const lastOffset = async () => (await publisher.contents(stream.connection, stream.name)).lastOffset;
const appliedUpTo = (offset: bigint, timeoutMs = 120_000) =>
  until(async () => ((await storedOffset(db, stream.name)) ?? -1n) >= offset, timeoutMs, `applied up to ${offset}`);

try {
  // 1. Replay throughput.
  let t = performance.now();
  for (let i = 0; i < N; i += 10_000) {
    await publisher.publish(Array.from({ length: Math.min(10_000, N - i) }, (_, k) => created(randomUUID(), `${i + k} Bench Street`)));
  }
  console.log(`published ${N} customer.created events in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const end = await lastOffset();
  const first = await launch('bench-a');
  t = performance.now();
  await appliedUpTo(end, 300_000);
  const catchUp = (performance.now() - t) / 1000;
  console.log(`catch-up of a fresh instance: ${N} events in ${catchUp.toFixed(2)} s = ${Math.round(N / catchUp)} events/s`);
  t = performance.now();
  await rebuildReplica(db, { consumerName: ORDER_SERVICE_CONSUMER, stream: stream.name });
  await until(async () => (await storedOffset(db, stream.name)) === null || (await storedOffset(db, stream.name))! < end, 5_000);
  await appliedUpTo(end, 300_000);
  const replay = (performance.now() - t) / 1000;
  const rows = await db.selectFrom('customers').select(db.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  console.log(`rebuild replay from the first offset: ${N} events in ${replay.toFixed(2)} s = ${Math.round(N / replay)} events/s (replica rows: ${rows.n})`);

  // 2. Failover.
  await launch('bench-b');
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    const statuses = await Promise.all(processes.filter((p) => p.running).map(async (p) => [p, await consumerStatus(p)] as const));
    const active = statuses.find(([, s]) => s?.role === 'active')![0];
    let stop = false;
    const producer = (async () => {
      while (!stop) {
        await publisher.publish(interleave(customerHistories(20)));
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const signalledAt = performance.now();
    active.kill(signal);
    const [successor, promotedAt] = await until(async () => {
      for (const p of processes.filter((c) => c.running && c !== active)) {
        const s = await consumerStatus(p);
        if (s?.role === 'active' && s.applied_offset !== null) return [p, BigInt(s.applied_offset)] as const;
      }
      return undefined;
    }, 60_000);
    await until(async () => BigInt((await consumerStatus(successor))?.applied_offset ?? '-1') > promotedAt, 60_000);
    console.log(`failover after ${signal}: ${(performance.now() - signalledAt).toFixed(0)} ms (signal → standby applied a new event)`);
    stop = true;
    await producer;
    await active.exited;
    await launch(`bench-${signal.toLowerCase()}-restarted`);
  }
  void first;

  // 3. Replication lag at a steady rate.
  const active = (await Promise.all(processes.filter((p) => p.running).map(async (p) => [p, await consumerStatus(p)] as const))).find(
    ([, s]) => s?.role === 'active',
  )![0];
  const before = await histogram(active.url);
  const perTick = Math.max(1, Math.round(RATE / 100));
  const until_ = performance.now() + LAG_SECONDS * 1000;
  let sent = 0;
  while (performance.now() < until_) {
    const tick = performance.now();
    await publisher.publish(Array.from({ length: perTick }, () => created(randomUUID(), 'Lag Street')));
    sent += perTick;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 10 - (performance.now() - tick))));
  }
  await appliedUpTo(await lastOffset());
  const after = await histogram(active.url);
  const delta = after.map(([le, count], i) => [le, count - (before[i]?.[1] ?? 0)] as const);
  console.log(
    `replication lag at ${Math.round(sent / LAG_SECONDS)} events/s for ${LAG_SECONDS} s: p50 ≤ ${quantile(delta, 0.5)} s, p99 ≤ ${quantile(delta, 0.99)} s (histogram bucket bounds, ${delta.at(-1)?.[1]} events)`,
  );
} finally {
  await Promise.all(processes.map((p) => p.stop()));
  await db.destroy();
  await publisher.close();
  await stream.drop();
  await database.drop();
}

async function histogram(url: string): Promise<Array<readonly [string, number]>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return [...text.matchAll(/^replication_lag_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm)].map((m) => [m[1]!, Number(m[2])] as const);
}

function quantile(buckets: ReadonlyArray<readonly [string, number]>, q: number): string {
  const total = buckets.at(-1)?.[1] ?? 0;
  return buckets.find(([, count]) => count >= q * total)?.[0] ?? 'n/a';
}
