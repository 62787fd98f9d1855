import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, until, type TestDatabase } from '@demo/test-support';
import { created } from './support/events.js';
import { startInProcess, type InProcessService } from './support/in-process.js';
import { kyselyFor, storedOffset } from './support/replica.js';
import { createTestStream, TestPublisher, type TestStream } from './support/stream.js';

// Its own database and stream: the event parked here is missing from the replica on purpose,
// which would break other files' "replica equals the fold of the stream" checks.
let database: TestDatabase;
let stream: TestStream;
let publisher: TestPublisher;
let service: InProcessService;
let db: ReturnType<typeof kyselyFor>;

beforeAll(async () => {
  database = await createTestDatabase('order_refused');
  stream = await createTestStream('refused');
  publisher = await TestPublisher.create(stream.connection, stream.name);
  db = kyselyFor(database.url);
  service = await startInProcess({ DATABASE_URL: database.url, STREAM_NAME: stream.name });
  await until(async () => (await service.http.inject('/health')).json().role === 'active', 15_000, 'active');
});

afterAll(async () => {
  await service?.close();
  await db?.destroy();
  await publisher?.close();
  await stream?.drop();
  await database?.drop();
});

async function applied() {
  const contents = await publisher.contents(stream.connection, stream.name);
  await until(async () => (await storedOffset(db, stream.name)) === contents.lastOffset, 20_000, 'all applied');
  return contents;
}

describe('an event the database refuses', () => {
  it('primes the stream', async () => {
    await publisher.publish([created(randomUUID(), 'first')]);
    expect((await applied()).lastOffset).toBeGreaterThanOrEqual(0n);
  });

  it('parks a valid event the database keeps refusing (apply_failed) and applies the rest of its batch', async () => {
    // Given a replica that refuses one address (a stand-in for any deterministic database error)
    await sql`ALTER TABLE customers ADD CONSTRAINT test_refuse CHECK (address <> 'refuse-me')`.execute(db);
    const before = randomUUID();
    const refused = randomUUID();
    const after = randomUUID();
    const firstOffset = (await applied()).lastOffset;
    try {
      // When one batch carries it between two good events
      await publisher.publish([created(before, 'before'), created(refused, 'refuse-me'), created(after, 'after')]);
      await applied();
      // Then it is parked with the database's reason, and its neighbours are in the replica
      const page = (await service.http.inject('/admin/parked-events?limit=500')).json();
      const ours = page.items.filter((item: { stream_offset: string }) => BigInt(item.stream_offset) > firstOffset);
      expect(ours).toHaveLength(1);
      expect(ours[0]).toMatchObject({ reason: 'apply_failed', event_type: 'customer.created' });
      expect(ours[0].detail).toMatch(/test_refuse/);
      expect((await service.http.inject(`/replica/customers/${before}`)).json().address).toBe('before');
      expect((await service.http.inject(`/replica/customers/${after}`)).json().address).toBe('after');
      expect((await service.http.inject(`/replica/customers/${refused}`)).statusCode).toBe(404);
    } finally {
      await sql`ALTER TABLE customers DROP CONSTRAINT test_refuse`.execute(db);
    }
  });

});
