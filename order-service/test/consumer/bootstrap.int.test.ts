import { randomUUID } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ORDER_SERVICE_CONSUMER } from '@demo/contract';
import { createTestDatabase, until, type TestDatabase } from '@demo/test-support';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rebuildReplica } from '../../src/db/rebuild.js';
import { startInProcess, type InProcessService } from '../support/in-process.js';
import { kyselyFor, readReplica } from '../support/replica.js';
import { createTestStream, type TestStream } from '../support/stream.js';

// The snapshot source misbehaves: a line that does not parse, a response cut off midway, an
// error answer, nobody answering. The bootstrap must end with a clear error and leave the replica
// marked not ready (bootstrapping), never half-trusted; once the source answers well, it loads it.
// A replica left half-loaded by a crash is emptied and loaded again.

type Behaviour = 'garbage-line' | 'cut-off' | 'error-500' | 'good';
let behaviour: Behaviour = 'garbage-line';
const customers = Array.from({ length: 50 }, (_, i) => ({
  customer_id: randomUUID(),
  address: `Snapshot street ${i}`,
  version: 1 + (i % 3),
  deleted: i % 10 === 0,
  updated_at: new Date().toISOString(),
}));

function serveSnapshot(response: ServerResponse) {
  if (behaviour === 'error-500') {
    response.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"internal"}');
    return;
  }
  response.writeHead(200, { 'content-type': 'application/x-ndjson' });
  response.write(`${JSON.stringify({ snapshot: { total: customers.length, taken_at: new Date().toISOString() } })}\n`);
  customers.forEach((customer, i) => {
    if (behaviour === 'garbage-line' && i === 20) response.write('{"customer_id": "not closed\n');
    else response.write(`${JSON.stringify(customer)}\n`);
  });
  if (behaviour === 'cut-off') {
    // No end line: the connection breaks midway, once what was written is on its way.
    setTimeout(() => response.destroy(), 100);
    return;
  }
  response.end(`${JSON.stringify({ end: { count: customers.length } })}\n`);
}

let server: Server;
let snapshotUrl: string;
let database: TestDatabase;
let stream: TestStream;
let service: InProcessService | undefined;
const key = () => ({ consumerName: ORDER_SERVICE_CONSUMER, stream: stream.name });

beforeAll(async () => {
  server = createServer((_request, response) => serveSnapshot(response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  snapshotUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/internal/snapshot`;
  database = await createTestDatabase('order_bootstrap');
  stream = await createTestStream('bootstrap');
}, 60_000);

afterAll(async () => {
  await service?.close();
  server?.closeAllConnections();
  server?.close();
  await stream?.drop();
  await database?.drop();
}, 60_000);

type Ready = { reason?: string; bootstrap?: { loaded: number; total: number | null; error?: string } };
const ready = async () => {
  const response = await service!.http.inject('/ready');
  return { status: response.statusCode, body: response.json<Ready>() };
};

describe('a snapshot bootstrap from a source that misbehaves', () => {
  it('never trusts a partial snapshot, says why, and loads the snapshot once the source answers well', async () => {
    // Given a replica asked to load a snapshot, half-loaded by an earlier crash (a row no snapshot has)
    const db = kyselyFor(database.url);
    try {
      service = await startInProcess({ DATABASE_URL: database.url, STREAM_NAME: stream.name, CUSTOMER_SNAPSHOT_URL: snapshotUrl });
      await until(async () => (await service!.http.inject('/health')).json<{ role: string }>().role === 'active', 15_000, 'active');
      await rebuildReplica(db, key(), { fromSnapshot: true });
      const stray = randomUUID();
      await sql`INSERT INTO customers (id, address, version, deleted, updated_at, last_event_offset) VALUES (${stray}::uuid, 'half-loaded', 1, false, now(), -1)`.execute(db);

      // When the source sends a line that does not parse, then breaks off midway, then answers 500
      for (const [bad, expected] of [
        ['garbage-line', /line \d+ of the snapshot is invalid/],
        ['cut-off', /cut off/],
        ['error-500', /answered 500/],
      ] as const) {
        behaviour = bad;
        let said = '';
        await until(async () => expected.test((said = (await ready()).body.bootstrap?.error ?? '')), 60_000, `the failure of ${bad} reported`).catch(
          (error: unknown) => {
            throw new Error(`${(error as Error).message}; the last error said: ${said}`);
          },
        );
        // Then the instance is not ready, says why, and the replica stays marked as bootstrapping
        const answer = await ready();
        expect(answer.status).toBe(503);
        expect(answer.body.reason).toBe('bootstrap_failed');
        const position = await db.selectFrom('consumer_offsets').select(['bootstrapping']).executeTakeFirstOrThrow();
        expect(position.bootstrapping).toBe(true);
      }

      // And once the source answers well, the replica is exactly the snapshot (the stray row gone)
      behaviour = 'good';
      await until(async () => (await ready()).status === 200, 60_000, 'ready after a good snapshot');
      const replica = await readReplica(db);
      expect(replica.size).toBe(customers.length);
      expect(replica.has(stray)).toBe(false);
      for (const customer of customers) {
        expect(replica.get(customer.customer_id)).toEqual({ address: customer.address, version: customer.version, deleted: customer.deleted });
      }
      const position = await db.selectFrom('consumer_offsets').select(['bootstrapping', 'bootstrapped_from']).executeTakeFirstOrThrow();
      expect(position).toEqual({ bootstrapping: false, bootstrapped_from: '0' });
    } finally {
      await db.destroy();
    }
  }, 240_000);
});
