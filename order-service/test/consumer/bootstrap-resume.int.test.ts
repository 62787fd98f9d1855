import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ORDER_SERVICE_CONSUMER, type SnapshotCustomer } from '@demo/contract';
import { streamBounds } from '@demo/stream';
import { until } from '@demo/test-support';
import { afterAll, describe, expect, it } from 'vitest';
import { rebuildReplica } from '../../src/db/rebuild.js';
import { addressUpdated, customerHistories, interleave } from '../support/events.js';
import { startServiceUnderTest, type ServiceUnderTest } from '../support/in-process.js';
import { comparable, readReplica } from '../support/replica.js';
import { foldStream } from '../support/stream.js';

// A snapshot reflects every event the stream held when the bootstrap read the stream's extent (an event is
// published only after its change committed, and the snapshot's view is taken after that reading). So the
// stream resumes where it stood then, not at its first offset: a bootstrap after a 1M-customer run no longer
// applies the whole retained stream (about 2.5 million events) a second time for nothing.

let server: Server | undefined;
let service: ServiceUnderTest | undefined;
let snapshot: SnapshotCustomer[] = [];

afterAll(async () => {
  await service?.close();
  server?.closeAllConnections();
  server?.close();
}, 60_000);

describe('a snapshot bootstrap on a stream that holds events', () => {
  it('resumes the stream where it stood when the snapshot was asked for, and applies what comes after', async () => {
    server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/x-ndjson' });
      response.write(`${JSON.stringify({ snapshot: { total: snapshot.length, taken_at: new Date().toISOString() } })}\n`);
      for (const customer of snapshot) response.write(`${JSON.stringify(customer)}\n`);
      response.end(`${JSON.stringify({ end: { count: snapshot.length } })}\n`);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/internal/snapshot`;
    service = await startServiceUnderTest('bootstrap_resume', { CUSTOMER_SNAPSHOT_URL: url });
    const { db, stream, publisher } = service;

    // Given a stream of several chunks, every event applied, and a snapshot that reflects them all
    const histories = customerHistories(300);
    const events = interleave(histories);
    for (let i = 0; i < events.length; i += 100) await publisher.publish(events.slice(i, i + 100));
    const contents = await service.applied();
    const before = await readReplica(db);
    const fold = foldStream(contents);
    snapshot = [...fold.values()].map((row) => ({
      customer_id: row.id,
      address: row.address!,
      version: row.version,
      deleted: row.deleted,
      updated_at: row.updatedAt,
    }));
    const extent = await streamBounds(await stream.connection.ready(), stream.name);
    expect(extent.firstRetained).toBe(0n);
    expect(extent.committedChunk).toBeGreaterThan(0n);

    // When the replica is rebuilt from the snapshot
    await rebuildReplica(db, { consumerName: ORDER_SERVICE_CONSUMER, stream: stream.name }, { fromSnapshot: true });
    await until(
      async () => (await db.selectFrom('consumer_offsets').select('bootstrapping').executeTakeFirstOrThrow()).bootstrapping === false,
      30_000,
      'bootstrapped',
    );

    // Then it resumed at the stream's tail as it stood (its last chunk, read again, changes nothing), not at 0
    const position = await db.selectFrom('consumer_offsets').select(['bootstrapped_from', 'last_offset']).executeTakeFirstOrThrow();
    expect(BigInt(position.bootstrapped_from!)).toBeGreaterThanOrEqual(extent.committedChunk);
    expect(await readReplica(db)).toEqual(before);
    expect(await readReplica(db)).toEqual(comparable(fold));

    // And a change published afterwards is applied
    const changed = histories.find((history) => history.length === 3)!;
    const last = changed.at(-1)!.data;
    await publisher.publish([addressUpdated(last.customer_id, 'After The Bootstrap 1', last.version + 1)]);
    await until(async () => (await readReplica(db)).get(last.customer_id)?.address === 'After The Bootstrap 1', 15_000, 'the later change applied');
    expect((await service.postOrder(last.customer_id)).statusCode).toBe(201);
  }, 120_000);
});
