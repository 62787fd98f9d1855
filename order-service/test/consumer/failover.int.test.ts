import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, until, type ServiceProcess, type TestDatabase } from '@demo/test-support';
import { customerHistories, interleave } from '../support/events.js';
import { appliedRanges, consumerStatus, overlaps, startOrderProcess } from '../support/order-process.js';
import { comparable, kyselyFor, readReplica, storedOffset } from '../support/replica.js';
import { createTestStream, foldStream, TestPublisher, type StreamContents, type TestStream } from '../support/stream.js';

// Several real order-service processes on one database and one stream.
let database: TestDatabase;
let stream: TestStream;
let publisher: TestPublisher;
let db: ReturnType<typeof kyselyFor>;
const processes: ServiceProcess[] = [];

async function launch(name: string): Promise<ServiceProcess> {
  const child = await startOrderProcess(name, { DATABASE_URL: database.url, STREAM_NAME: stream.name });
  processes.push(child);
  await child.ready();
  return child;
}

const running = () => processes.filter((p) => p.running);

async function theActive(): Promise<ServiceProcess> {
  return until(
    async () => {
      const statuses = await Promise.all(running().map(async (p) => [p, await consumerStatus(p)] as const));
      const active = statuses.filter(([, status]) => status?.role === 'active');
      return active.length === 1 ? active[0]![0] : undefined;
    },
    15_000,
    'exactly one active instance',
  );
}

async function allApplied(): Promise<StreamContents> {
  const contents = await publisher.contents(stream.connection, stream.name);
  try {
    await until(async () => (await storedOffset(db, stream.name)) === contents.lastOffset, 30_000, 'stored offset reaches the last message');
    return contents;
  } catch (error) {
    const stored = await storedOffset(db, stream.name);
    const logs = running()
      .map((p) => `${p.name}: ${p.lines.filter((l) => (l.level as number) >= 30).slice(-8).map((l) => JSON.stringify(l)).join('\n')}`)
      .join('\n');
    throw new Error(`${(error as Error).message}: stored ${stored}, last message ${contents.lastOffset}\n${logs}`);
  }
}

/** Publishes batches of customer histories until stopped: a busy producer. */
function keepPublishing(): { stop(): Promise<void> } {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await publisher.publish(interleave(customerHistories(30)));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

async function assertReplicaIsTheFold() {
  const contents = await allApplied();
  expect(await storedOffset(db, stream.name)).toBe(contents.lastOffset);
  const replica = await readReplica(db);
  const expected = comparable(foldStream(contents));
  expect(replica.size).toBe(expected.size);
  expect(replica).toEqual(expected);
  expect(overlaps(processes.flatMap(appliedRanges))).toEqual([]);
}

/** From the signal to another instance being active and applying an event published after it. */
async function failover(signal: NodeJS.Signals): Promise<number> {
  const active = await theActive();
  const producer = keepPublishing();
  await until(async () => ((await storedOffset(db, stream.name)) ?? -1n) > 0n, 10_000, 'consumption under way');
  await new Promise((resolve) => setTimeout(resolve, 300));
  const signalledAt = performance.now();
  active.kill(signal);
  // A standby becomes active (its applied offset is then the stored one), then applies something new.
  const [successor, promotedAt] = await until(
    async () => {
      for (const p of running().filter((candidate) => candidate !== active)) {
        const status = await consumerStatus(p);
        if (status?.role === 'active' && status.applied_offset !== null) return [p, BigInt(status.applied_offset)] as const;
      }
      return undefined;
    },
    30_000,
    'a standby becomes active',
  );
  await until(async () => {
    const status = await consumerStatus(successor);
    return status?.applied_offset !== null && status?.applied_offset !== undefined && BigInt(status.applied_offset) > promotedAt;
  }, 30_000, 'the new active instance applies a new event');
  const elapsedMs = performance.now() - signalledAt;
  await new Promise((resolve) => setTimeout(resolve, 500)); // keep publishing across the hand-over
  await producer.stop();
  await active.exited;
  expect(successor).not.toBe(active);
  console.log(`failover after ${signal}: ${elapsedMs.toFixed(0)} ms from the signal to the standby applying a new event`);
  return elapsedMs;
}

beforeAll(async () => {
  database = await createTestDatabase('order_failover');
  stream = await createTestStream('failover');
  publisher = await TestPublisher.create(stream.connection, stream.name);
  db = kyselyFor(database.url);
  await Promise.all([launch('order-a'), launch('order-b'), launch('order-c')]);
}, 60_000);

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop()));
  await db?.destroy();
  await publisher?.close();
  await stream?.drop();
  await database?.drop();
}, 60_000);

describe('single active consumer across processes', () => {
  it('has exactly one instance applying while three run', async () => {
    // Given three instances
    const active = await theActive();
    // When
    await publisher.publish(interleave(customerHistories(500)));
    await allApplied();
    // Then
    const roles = await Promise.all(running().map(consumerStatus));
    expect(roles.filter((s) => s?.role === 'active')).toHaveLength(1);
    expect(roles.filter((s) => s?.role === 'standby')).toHaveLength(2);
    const gauges = await Promise.all(running().map((p) => p.metric('stream_consumer_active')));
    expect(gauges.sort()).toEqual([0, 0, 1]);
    expect(new Set(processes.flatMap(appliedRanges).map((r) => r.instance))).toEqual(new Set([active.name]));
    await assertReplicaIsTheFold();
    // standbys learn the applied offset too
    const { lastOffset } = await allApplied();
    await until(
      async () => (await Promise.all(running().map(consumerStatus))).every((s) => s?.applied_offset === lastOffset.toString()),
      5_000,
      'every instance knows the applied offset',
    );
  });

  it('hands over on SIGTERM mid-stream with no gap and no offset applied twice', async () => {
    // When the active one is stopped while a producer keeps publishing
    const elapsed = await failover('SIGTERM');
    // Then
    await assertReplicaIsTheFold();
    expect(elapsed).toBeLessThan(5_000);
    expect(await theActive()).toBeDefined();
  });

  it('takes over after kill -9 mid-stream with no gap and no offset applied twice', async () => {
    // Given a fresh third instance (standby)
    await launch('order-d');
    // When the active one is killed while a producer keeps publishing
    const elapsed = await failover('SIGKILL');
    // Then
    await assertReplicaIsTheFold();
    expect(elapsed).toBeLessThan(30_000);
    const roles = await Promise.all(running().map(consumerStatus));
    expect(roles.filter((s) => s?.role === 'active')).toHaveLength(1);
  });
});
