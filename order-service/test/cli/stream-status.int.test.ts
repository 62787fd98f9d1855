import { execFile } from 'node:child_process';
import path from 'node:path';
import { createLogger, openDatabase } from '@demo/service-kit';
import { createStreamConnection, ensureStream, streamBounds, type StreamConnection } from '@demo/stream';
import { broker, createTestDatabase, REPO_ROOT, suffix, until } from '@demo/test-support';
import type { Kysely } from 'kysely';
import { Offset } from 'rabbitmq-stream-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../src/db/migrations/index.js';
import type { Database } from '../../src/db/schema.js';
import { fingerprintOf } from '../../src/domain/stream-integrity.js';
import { created, customerHistories, interleave } from '../support/events.js';
import { createTestStream, TestPublisher, type StreamContents, type TestStream } from '../support/stream.js';

// `npm run stream:status` against a database and streams of its own: what it prints of a healthy
// stream with consumers behind, of a stream that retention truncated past a stored offset (gap),
// and of a stored offset whose message is not the one applied (reset); and its exit codes.

const COMMAND = path.join(REPO_ROOT, 'order-service', 'dist', 'src', 'cli', 'stream-status.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function streamStatus(env: Record<string, string>, args: string[] = []): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [COMMAND, ...args], { env: { ...process.env, ...env }, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}

type ConsumerJson = {
  name: string;
  stored_offset: string | null;
  stored: boolean;
  broker_offset: string | null;
  next_needed: string;
  lag_events: string;
  lag_seconds: number | null;
  oldest_unapplied: { offset: string; event_time: string | null } | null;
  verdict: string;
  first_retained?: string;
  problem?: string;
};
type StatusJson = {
  stream: string;
  healthy: boolean;
  broker: { first_retained: string; committed_chunk: string; last_message: string | null };
  management: { messages?: number; segments?: number; bytes?: number | null; bytes_note?: string; error?: string };
  consumers: ConsumerJson[];
};

const consumer = (status: StatusJson, name: string) => status.consumers.find((entry) => entry.name === name)!;

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
}, 60_000);

/** A migrated order database of its own, as the service leaves it. */
async function orderDatabase(): Promise<{ url: string; db: Kysely<Database> }> {
  const database = await createTestDatabase('order_status');
  cleanups.push(() => database.drop());
  const { db } = await openDatabase<Database>({
    url: database.url,
    poolSize: 2,
    applicationName: 'test stream-status',
    migrations,
    logger: createLogger({ service: 'test', instance: 'test', level: 'silent' }),
  });
  cleanups.push(() => db.destroy());
  return { url: database.url, db };
}

async function storePosition(db: Kysely<Database>, stream: string, consumerName: string, lastOffset: bigint | null, fingerprint: string | null) {
  await db
    .insertInto('consumer_offsets')
    .values({ consumer_name: consumerName, stream, last_offset: lastOffset, last_fingerprint: fingerprint })
    .execute();
}

/** Stores `offset` on the broker for the consumer reference, as order-service does for the management UI. */
async function storeBrokerOffset(connection: StreamConnection, stream: string, reference: string, offset: bigint) {
  const client = await connection.ready();
  const reader = await client.declareConsumer({ stream, consumerRef: reference, offset: Offset.first() }, () => undefined);
  await reader.storeOffset(offset);
  await client.closeConsumer(reader.extendedId);
  await until(async () => (await client.queryOffset({ reference, stream }).catch(() => -1n)) === offset, 10_000, 'broker offset stored');
}

async function managementView(stream: string): Promise<{ messages?: number; segments?: number }> {
  const url = process.env.RABBITMQ_MANAGEMENT_URL ?? 'http://127.0.0.1:15672';
  const response = await fetch(`${url}/api/queues/%2F/${encodeURIComponent(stream)}`, {
    headers: { authorization: `Basic ${Buffer.from(`${broker.user}:${broker.password}`).toString('base64')}` },
  });
  return response.ok ? ((await response.json()) as { messages?: number; segments?: number }) : {};
}

describe('stream-status on a healthy stream', () => {
  const minutesAgo = new Date(Date.now() - 120_000).toISOString();
  let stream: TestStream;
  let contents: StreamContents;

  beforeAll(async () => {
    stream = await createTestStream('status');
    cleanups.push(() => stream.drop());
    const publisher = await TestPublisher.create(stream.connection, stream.name);
    cleanups.push(() => publisher.close());
    await publisher.publish(Array.from({ length: 20 }, (_, i) => created(crypto.randomUUID(), `${i} Status Street`, 1, minutesAgo)));
    contents = await publisher.contents(stream.connection, stream.name);
    // The management API's figures of a new stream come with its next statistics round (every few seconds).
    await until(async () => ((await managementView(stream.name)).messages ?? 0) >= 20, 30_000, 'management API reports the stream');
  }, 60_000);

  it('prints each consumer with its stored offsets, its lag in events and seconds, and exits 0', async () => {
    // Given a consumer 5 messages behind (with the broker's stored offset at the same place), one
    // caught up, and order-service's own name missing from the table
    const { url, db } = await orderDatabase();
    const behind = contents.messages[14]!;
    const last = contents.messages.at(-1)!;
    await storePosition(db, stream.name, 'behind', behind.offset, fingerprintOf(behind.body));
    await storePosition(db, stream.name, 'caught-up', last.offset, fingerprintOf(last.body));
    await storeBrokerOffset(stream.connection, stream.name, 'behind', behind.offset);

    // When
    const run = await streamStatus({ ORDER_DATABASE_URL: url, STREAM_NAME: stream.name }, ['--json']);

    // Then
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const status = JSON.parse(run.stdout) as StatusJson;
    expect(status).toMatchObject({ stream: stream.name, healthy: true, broker: { first_retained: '0', last_message: last.offset.toString() } });
    expect(BigInt(status.broker.committed_chunk)).toBeLessThanOrEqual(last.offset + 1n);
    expect(status.management.messages).toBeGreaterThanOrEqual(20);
    expect(status.management.segments).toBe(1);
    expect(status.consumers.map((entry) => entry.name)).toEqual(['behind', 'caught-up', 'order-service']);

    const lagging = consumer(status, 'behind');
    expect(lagging).toMatchObject({
      stored_offset: behind.offset.toString(),
      broker_offset: behind.offset.toString(),
      next_needed: (behind.offset + 1n).toString(),
      lag_events: (last.offset - behind.offset).toString(),
      oldest_unapplied: { offset: contents.messages[15]!.offset.toString(), event_time: minutesAgo },
      verdict: 'ok',
    });
    expect(lagging.lag_seconds).toBeGreaterThanOrEqual(119);
    expect(lagging.lag_seconds).toBeLessThan(300);
    expect(consumer(status, 'caught-up')).toMatchObject({ lag_events: '0', lag_seconds: 0, oldest_unapplied: null, broker_offset: null, verdict: 'ok' });
    // order-service never ran here: nothing applied, everything to apply, from the first offset
    expect(consumer(status, 'order-service')).toMatchObject({
      stored: false,
      stored_offset: null,
      next_needed: '0',
      lag_events: (last.offset + 1n).toString(),
      oldest_unapplied: { offset: contents.messages[0]!.offset.toString() },
      verdict: 'ok',
    });

    // And the readable table says the same
    const table = await streamStatus({ ORDER_DATABASE_URL: url, STREAM_NAME: stream.name });
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(`stream "${stream.name}"`);
    expect(table.stdout).toMatch(new RegExp(`^behind\\s+${behind.offset}\\s+${behind.offset}\\s+${behind.offset + 1n}\\s+${last.offset - behind.offset}\\s+1\\d\\d\\.\\d\\s`, 'm'));
    expect(table.stdout).toMatch(/^order-service\s+no row\s+-\s+0\s/m);
    expect(table.stdout).toContain('healthy: every consumer can go on from its stored offset');
  });

  it('reports a reset and exits 1 when the message at a stored offset is not the one applied', async () => {
    const { url, db } = await orderDatabase();
    await storePosition(db, stream.name, 'order-service', contents.messages[3]!.offset, fingerprintOf(Buffer.from('another message')));

    const run = await streamStatus({ ORDER_DATABASE_URL: url, STREAM_NAME: stream.name }, ['--json']);

    expect(run.code).toBe(1);
    const status = JSON.parse(run.stdout) as StatusJson;
    expect(status.healthy).toBe(false);
    expect(consumer(status, 'order-service')).toMatchObject({ verdict: 'stream_reset' });
    expect(consumer(status, 'order-service').problem).toMatch(/^RESET: the message at offset \d+ is not the one the replica applied/);
  });
});

describe('stream-status on a stream that retention truncated', () => {
  it('reports the gap between the next needed offset and the first retained one, and exits 1', async () => {
    // Given a stream of small segments that kept about 1 MB, written far past a stored offset
    const name = `test-order-status-gap-${suffix()}`;
    const connection = createStreamConnection({ ...broker, connectionName: `test ${name}`, connectTimeoutMs: 3_000 });
    connection.onReady((client) => ensureStream(client, name, { 'max-length-bytes': 1_000_000, 'stream-max-segment-size-bytes': 200_000 }));
    connection.start();
    const client = await connection.ready();
    const publisher = await TestPublisher.create(connection, name);
    cleanups.push(async () => {
      await publisher.close();
      await client.deleteStream({ stream: name }).catch(() => undefined);
      await connection.close();
    });
    const { url, db } = await orderDatabase();
    await publisher.publish(interleave(customerHistories(10)));
    await storePosition(db, name, 'order-service', 5n, null);
    for (let round = 0; round < 40 && (await streamBounds(client, name)).firstRetained <= 6n; round++) {
      await publisher.publish(interleave(customerHistories(1_000)));
    }
    const firstRetained = (await streamBounds(client, name)).firstRetained;
    expect(firstRetained).toBeGreaterThan(6n);
    await until(async () => ((await managementView(name)).segments ?? 0) > 1, 30_000, 'management API reports the segments');

    // When
    const run = await streamStatus({ ORDER_DATABASE_URL: url, STREAM_NAME: name }, ['--json']);

    // Then
    expect(run.code).toBe(1);
    const status = JSON.parse(run.stdout) as StatusJson;
    expect(BigInt(status.broker.first_retained)).toBeGreaterThanOrEqual(firstRetained);
    expect(status.management.segments).toBeGreaterThan(1);
    const order = consumer(status, 'order-service');
    expect(order).toMatchObject({ verdict: 'stream_gap', next_needed: '6', first_retained: status.broker.first_retained });
    expect(order.problem).toContain(`GAP: retention removed offsets 6 to ${BigInt(status.broker.first_retained) - 1n}`);
    expect(BigInt(order.oldest_unapplied!.offset)).toBeGreaterThanOrEqual(BigInt(status.broker.first_retained));

    const table = await streamStatus({ ORDER_DATABASE_URL: url, STREAM_NAME: name });
    expect(table.code).toBe(1);
    expect(table.stdout).toMatch(/^order-service\s+5\s.*stream_gap$/m);
    expect(table.stdout).toMatch(/^order-service: GAP: retention removed offsets 6 to \d+, which this consumer never applied .*make rebuild-replica$/m);
  }, 120_000);
});

describe('stream-status settings', () => {
  it('exits 2 naming the variable on a bad setting, and on an unknown option', async () => {
    const bad = await streamStatus({ ORDER_DATABASE_URL: 'mysql://nowhere/order_db' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/ORDER_DATABASE_URL/);
    const option = await streamStatus({}, ['--bogus']);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/--bogus/);
    expect(option.stderr).toMatch(/usage: npm run stream:status/);
  });

  it('exits 3 when the broker cannot be reached', async () => {
    const run = await streamStatus({ RABBITMQ_STREAM_PORT: '1', STREAM_NAME: `test-order-status-${suffix()}` }, ['--json']);
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/no stream connection to .*:1 within/);
  }, 30_000);
});
