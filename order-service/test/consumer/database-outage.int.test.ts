import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminQuery, createTestDatabase, until, type ServiceProcess, type TestDatabase } from '@demo/test-support';
import { customerHistories, interleave } from '../support/events.js';
import { appliedRanges, overlaps, startOrderProcess } from '../support/order-process.js';
import { comparable, kyselyFor, readReplica, storedOffset } from '../support/replica.js';
import { createTestStream, foldStream, TestPublisher, type TestStream } from '../support/stream.js';

let database: TestDatabase;
let stream: TestStream;
let publisher: TestPublisher;
let instance: ServiceProcess;

beforeAll(async () => {
  database = await createTestDatabase('order_outage');
  stream = await createTestStream('outage');
  publisher = await TestPublisher.create(stream.connection, stream.name);
  instance = await startOrderProcess('order-outage', { DATABASE_URL: database.url, STREAM_NAME: stream.name });
  await instance.ready();
}, 60_000);

afterAll(async () => {
  await adminQuery(`ALTER DATABASE "${database.name}" CONNECTION LIMIT -1`).catch(() => undefined);
  await instance?.stop();
  await publisher?.close();
  await stream?.drop();
  await database?.drop();
}, 60_000);

/** Only this test's database goes away: the shared server keeps serving everyone else. */
async function cutDatabase() {
  await adminQuery(`ALTER DATABASE "${database.name}" CONNECTION LIMIT 0`);
  await adminQuery('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database.name]);
}

describe('a database outage during consumption', () => {
  it('skips no event: the same batch is retried until the database is back', async () => {
    // Given consumption under way
    await publisher.publish(interleave(customerHistories(300)));
    // When the database goes away while more events arrive
    await cutDatabase();
    await publisher.publish(interleave(customerHistories(300)));
    await until(async () => (await fetch(`${instance.url}/ready`)).status === 503, 10_000, '/ready says 503');
    const down = await (await fetch(`${instance.url}/ready`)).json();
    expect(down).toMatchObject({ error: 'not_ready', checks: { database: 'down', stream: 'up' } });
    await until(() => instance.lines.some((line) => line.msg === 'applying a batch failed; retrying the same batch'), 15_000, 'a failed batch is retried');
    await adminQuery(`ALTER DATABASE "${database.name}" CONNECTION LIMIT -1`);
    await publisher.publish(interleave(customerHistories(100)));
    // Then
    const contents = await publisher.contents(stream.connection, stream.name);
    const db = kyselyFor(database.url);
    try {
      await until(async () => (await storedOffset(db, stream.name)) === contents.lastOffset, 30_000, 'all applied after the outage');
      expect(await readReplica(db)).toEqual(comparable(foldStream(contents)));
      expect(overlaps(appliedRanges(instance))).toEqual([]);
      expect((await fetch(`${instance.url}/ready`)).status).toBe(200);
      const metrics = await (await fetch(`${instance.url}/metrics`)).text();
      expect(metrics).toMatch(/customer_event_errors_total [1-9]/);
    } finally {
      await db.destroy();
    }
  });
});
