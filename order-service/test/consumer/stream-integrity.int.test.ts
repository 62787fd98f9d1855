import { createStreamConnection, ensureStream, streamBounds, type StreamConnection } from '@demo/stream';
import { broker, createTestDatabase, suffix, until, type ServiceProcess, type TestDatabase } from '@demo/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { customerHistories, interleave } from '../support/events.js';
import { startOrderProcess } from '../support/order-process.js';
import { kyselyFor, storedOffset } from '../support/replica.js';
import { TestPublisher } from '../support/stream.js';

// The stream no longer holds what the replica needs: retention removed events an instance never
// applied while it was down, or the stream was deleted and declared again (offsets start over).
// The instance must stop applying, say why on /ready (503) and in replica_integrity_ok, and never
// skip silently.

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  cleanups.length = 0;
}, 60_000);

/** A stream of small segments that keeps about `maxBytes`: retention can be seen in seconds. */
async function smallStream(maxBytes: number): Promise<{ name: string; connection: StreamConnection; publisher: TestPublisher }> {
  const name = `test-order-integrity-${suffix()}`;
  const connection = createStreamConnection({ ...broker, connectionName: `test ${name}`, connectTimeoutMs: 3_000 });
  const args = { 'max-length-bytes': maxBytes, 'stream-max-segment-size-bytes': Math.floor(maxBytes / 5) };
  connection.onReady((client) => ensureStream(client, name, args));
  connection.start();
  const client = await connection.ready();
  const publisher = await TestPublisher.create(connection, name);
  cleanups.push(async () => {
    await publisher.close();
    await client.deleteStream({ stream: name }).catch(() => undefined);
    await connection.close();
  });
  return { name, connection, publisher };
}

async function database(): Promise<TestDatabase> {
  const db = await createTestDatabase('order_integrity');
  cleanups.push(() => db.drop());
  return db;
}

async function orderInstance(name: string, env: Record<string, string>): Promise<ServiceProcess> {
  const instance = await startOrderProcess(name, env, 'info');
  cleanups.push(() => instance.stop());
  return instance;
}

type Ready = { status: string; reason?: string; needed?: string; first_retained?: string; checks: Record<string, string> };

describe('stream integrity', () => {
  it('an instance that was down while retention removed events it never applied reports stream_gap and applies nothing', async () => {
    // Given an instance that applied the first events of a stream keeping about 1 MB
    const db = await database();
    const stream = await smallStream(1_000_000);
    const env = { DATABASE_URL: db.url, STREAM_NAME: stream.name };
    let instance = await orderInstance('integrity-gap', env);
    await instance.ready();
    await stream.publisher.publish(interleave(customerHistories(100)));
    const orders = kyselyFor(db.url);
    cleanups.push(() => orders.destroy());
    const applied = await until(async () => {
      const stored = await storedOffset(orders, stream.name);
      return stored !== null && stored >= BigInt(stream.publisher.published.length - 1) ? stored : undefined;
    }, 15_000, 'first events applied');

    // When it is down while the stream is written far past its retention
    await instance.stop();
    const client = await stream.connection.ready();
    for (let round = 0; round < 40 && (await streamBounds(client, stream.name)).firstRetained <= applied + 1n; round++) {
      await stream.publisher.publish(interleave(customerHistories(1_000)));
    }
    const bounds = await streamBounds(client, stream.name);
    expect(bounds.firstRetained).toBeGreaterThan(applied + 1n);
    instance = await orderInstance('integrity-gap-again', env);

    // Then it lives, is not ready, says why, and the stored offset does not move
    await until(async () => (await instance.get<Ready>('/ready'))?.body.reason === 'stream_gap', 20_000, '/ready says stream_gap');
    const ready = (await instance.get<Ready>('/ready'))!;
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'not_ready', reason: 'stream_gap', needed: String(applied + 1n), checks: { replica: 'down' } });
    expect(BigInt(ready.body.first_retained!)).toBeGreaterThan(applied + 1n);
    expect((await instance.get('/health'))?.status).toBe(200);
    expect(await instance.metric('replica_integrity_ok')).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await storedOffset(orders, stream.name)).toBe(applied);
    expect(instance.logged(/not consuming the stream: retention removed events/)).toBe(true);
  }, 120_000);

  it('a stream deleted and declared again while the instance runs: stream_reset, and nothing of the new stream is applied', async () => {
    // Given an instance that applied a stream
    const db = await database();
    const stream = await smallStream(50_000_000);
    const env = { DATABASE_URL: db.url, STREAM_NAME: stream.name };
    const instance = await orderInstance('integrity-reset', env);
    await instance.ready();
    await stream.publisher.publish(interleave(customerHistories(300)));
    const orders = kyselyFor(db.url);
    cleanups.push(() => orders.destroy());
    const applied = await until(async () => {
      const stored = await storedOffset(orders, stream.name);
      return stored !== null && stored >= BigInt(stream.publisher.published.length - 1) ? stored : undefined;
    }, 15_000, 'events applied');
    expect(await instance.metric('replica_integrity_ok')).toBe(1);

    // When the stream is deleted, declared again and written with fewer events than were applied
    await (await stream.connection.ready()).deleteStream({ stream: stream.name });
    // The deletion closes the connection's own entities (a metadata update): it is replaced; use the new client.
    await until(async () => {
      await ensureStream(await stream.connection.ready(), stream.name, { 'max-length-bytes': 50_000_000 });
      return true;
    }, 20_000, 'stream declared again');
    const fresh = await TestPublisher.create(stream.connection, stream.name);
    cleanups.push(() => fresh.close());
    await fresh.publish(interleave(customerHistories(20)));

    // Then the instance stops applying and says why
    await until(async () => (await instance.get<Ready>('/ready'))?.body.reason === 'stream_reset', 30_000, '/ready says stream_reset');
    expect((await instance.get<Ready>('/ready'))!.status).toBe(503);
    expect(await instance.metric('replica_integrity_ok')).toBe(0);
    expect(await storedOffset(orders, stream.name)).toBe(applied);
    expect(instance.running).toBe(true);
  }, 120_000);
});
