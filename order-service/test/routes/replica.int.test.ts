import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { addressUpdated, created } from '../support/events.js';
import { bearer, TEST_TOKENS, useServiceUnderTest } from '../support/in-process.js';

const service = useServiceUnderTest('replica');

describe('GET /replica/customers/:id', () => {
  it('returns the replica row, 404 when absent, 400 when malformed', async () => {
    // Given
    const id = randomUUID();
    await service().publisher.publish([created(id, '6 Main St'), addressUpdated(id, '7 Main St', 2)]);
    await service().applied();
    // When
    const row = await service().operatorGet(`/replica/customers/${id}`);
    // Then
    expect(row.statusCode).toBe(200);
    expect(row.json()).toMatchObject({ id, address: '7 Main St', version: 2, deleted: false });
    expect((await service().operatorGet(`/replica/customers/${randomUUID()}`)).statusCode).toBe(404);
    expect((await service().operatorGet('/replica/customers/x')).statusCode).toBe(400);
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
    expect((await service().operatorGet(`/replica/customers/${id}`)).json()).toMatchObject({ address: 'v3', version: 3, deleted: false });
  });

  it('is an operator’s only: 401 without a token or with a wrong one, 403 with the reader’s, 200 with the operator’s', async () => {
    const id = randomUUID();
    await service().publisher.publish([created(id, '8 Main St')]);
    await service().applied();
    const url = `/replica/customers/${id}`;
    const missing = await service().http.inject(url);
    expect(missing.statusCode).toBe(401);
    expect(missing.json().error).toBe('unauthorized');
    expect((await service().http.inject({ url, headers: bearer('a-wrong-token-0123456789') })).statusCode).toBe(401);
    expect((await service().http.inject({ url, headers: bearer(TEST_TOKENS.reader) })).json().error).toBe('forbidden');
    expect((await service().http.inject({ url, headers: bearer(TEST_TOKENS.operator) })).statusCode).toBe(200);
  });
});
