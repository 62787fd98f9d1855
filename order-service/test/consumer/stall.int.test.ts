import { createTestDatabase, until, type ServiceProcess, type TestDatabase } from '@demo/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerHistories, interleave } from '../support/events.js';
import { appliedRanges, consumerStatus, overlaps, startOrderProcess } from '../support/order-process.js';
import { comparable, kyselyFor, readReplica, storedOffset } from '../support/replica.js';
import { createTestStream, foldStream, TestPublisher, type TestStream } from '../support/stream.js';

// The active instance is alive but makes no progress (here: its statement waits on a lock the
// test holds) while events keep arriving: its watchdog steps it down so that the standby takes
// over, and the fence keeps the stuck statement, when it finally runs, from applying twice.

let database: TestDatabase;
let stream: TestStream;
let publisher: TestPublisher;
const instances: ServiceProcess[] = [];

beforeAll(async () => {
  database = await createTestDatabase('order_stall');
  stream = await createTestStream('stall');
  publisher = await TestPublisher.create(stream.connection, stream.name);
  for (const name of ['stall-1', 'stall-2']) {
    const instance = await startOrderProcess(name, { DATABASE_URL: database.url, STREAM_NAME: stream.name, APPLY_STALL_TIMEOUT_MS: '2000' });
    instances.push(instance);
    await instance.ready();
  }
}, 60_000);

afterAll(async () => {
  for (const instance of instances) await instance.stop();
  await publisher?.close();
  await stream?.drop();
  await database?.drop();
}, 60_000);

describe('an active instance that stops making progress', () => {
  it('steps down after the stall timeout; the standby applies; nothing is applied twice or lost', async () => {
    // Given events applied by the active instance
    await publisher.publish(interleave(customerHistories(100)));
    const db = kyselyFor(database.url);
    try {
      const first = await until(async () => {
        const statuses = await Promise.all(instances.map(async (i) => [i, await consumerStatus(i)] as const));
        return statuses.find(([, s]) => s?.role === 'active')?.[0];
      }, 15_000, 'an active instance');
      const other = instances.find((i) => i !== first)!;
      await until(async () => (await storedOffset(db, stream.name)) !== null, 10_000, 'first batches applied');

      // When its statements block (the test holds the offsets row) while events keep arriving
      const blocker = new pg.Client({ connectionString: database.url });
      await blocker.connect();
      await blocker.query('BEGIN');
      await blocker.query('SELECT * FROM consumer_offsets FOR UPDATE');
      for (let i = 0; i < 5; i++) {
        await publisher.publish(interleave(customerHistories(20)));
        await new Promise((resolve) => setTimeout(resolve, 400));
      }
      // Then it steps down and the other instance becomes active
      await until(async () => (await first.metric('stream_consumer_step_downs_total')) === 1, 15_000, 'a step-down');
      await until(async () => (await consumerStatus(other))?.role === 'active', 15_000, 'the other instance active');
      await blocker.query('ROLLBACK');
      await blocker.end();

      // ... and once the lock is gone, every event is applied exactly once
      const contents = await publisher.contents(stream.connection, stream.name);
      await until(async () => (await storedOffset(db, stream.name)) === contents.lastOffset, 30_000, 'all applied');
      expect(await readReplica(db)).toEqual(comparable(foldStream(contents)));
      expect(overlaps(instances.flatMap(appliedRanges))).toEqual([]);
      expect(first.logged('no progress while the stream grew: stepping down')).toBe(true);
    } finally {
      await db.destroy();
    }
  });
});
