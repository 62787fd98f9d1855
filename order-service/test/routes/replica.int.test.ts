import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { addressUpdated, created } from '../support/events.js';
import { useServiceUnderTest } from '../support/in-process.js';

const service = useServiceUnderTest('replica');

describe('GET /replica/customers/:id', () => {
  it('returns the replica row, 404 when absent, 400 when malformed', async () => {
    // Given
    const id = randomUUID();
    await service().publisher.publish([created(id, '6 Main St'), addressUpdated(id, '7 Main St', 2)]);
    await service().applied();
    // When
    const row = await service().http.inject(`/replica/customers/${id}`);
    // Then
    expect(row.statusCode).toBe(200);
    expect(row.json()).toMatchObject({ id, address: '7 Main St', version: 2, deleted: false });
    expect((await service().http.inject(`/replica/customers/${randomUUID()}`)).statusCode).toBe(404);
    expect((await service().http.inject('/replica/customers/x')).statusCode).toBe(400);
  });

  it('ignores out-of-order and duplicate versions', async () => {
    // Given version 3 applied
    const id = randomUUID();
    await service().publisher.publish([created(id, 'v1'), addressUpdated(id, 'v2', 2), addressUpdated(id, 'v3', 3)]);
    await service().applied();
    // When older, duplicate and replayed versions arrive later, in separate batches
    await service().publisher.publish([addressUpdated(id, 'late v2', 2)]);
    await service().applied();
    await service().publisher.publish([addressUpdated(id, 'duplicate v3', 3), created(id, 'replayed v1')]);
    await service().applied();
    // Then nothing changed
    expect((await service().http.inject(`/replica/customers/${id}`)).json()).toMatchObject({ address: 'v3', version: 3, deleted: false });
  });
});
