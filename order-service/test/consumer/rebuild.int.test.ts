import { randomUUID } from 'node:crypto';
import { ORDER_SERVICE_CONSUMER } from '@demo/contract';
import { describe, expect, it } from 'vitest';
import { rebuildReplica } from '../../src/db/rebuild.js';
import { addressUpdated, created, deleted } from '../support/events.js';
import { useServiceUnderTest } from '../support/in-process.js';
import { comparable, readReplica } from '../support/replica.js';
import { foldStream } from '../support/stream.js';

const service = useServiceUnderTest('rebuild');

describe('rebuild', () => {
  it('replays the stream from the first offset into the same replica while the service runs', async () => {
    // Given a replica of created, updated and deleted customers, and a parked event
    const [a, b] = [randomUUID(), randomUUID()];
    await service().publisher.publish([
      created(a, '1 Rebuild St'),
      created(b, '2 Rebuild St'),
      addressUpdated(a, '3 Rebuild St', 2),
      { body: Buffer.from('this is not JSON'), annotations: { event_id: randomUUID(), event_type: 'customer.created', correlation_id: 'c', schema_version: 1 } },
      deleted(b, 2),
    ]);
    const contents = await service().applied();
    const before = await readReplica(service().db);
    expect(before).toEqual(comparable(foldStream(contents)));
    const parkedBefore = (await service().operatorGet('/admin/parked-events?limit=500')).json().items.length;
    expect(parkedBefore).toBeGreaterThan(0);
    // When
    await rebuildReplica(service().db, { consumerName: ORDER_SERVICE_CONSUMER, stream: service().stream.name });
    // Then
    await service().applied();
    expect(await readReplica(service().db)).toEqual(before);
    expect((await service().operatorGet('/admin/parked-events?limit=500')).json().items.length).toBe(parkedBefore);
    const id = randomUUID();
    await service().publisher.publish([created(id, 'after rebuild')]);
    expect((await service().postOrder(id)).statusCode).toBe(201);
  });
});
