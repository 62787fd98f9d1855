import { bearer, TEST_TOKENS } from '@demo/test-support';
import { decodeSnapshotLine, type SnapshotLine } from '@demo/contract';
import { describe, expect, it } from 'vitest';
import { customerSnapshot } from '../../../src/services/snapshot.js';
import { customerInput, useCustomerApi } from '../../support/api.js';

const api = useCustomerApi();

function decode(body: string): SnapshotLine[] {
  return body
    .split('\n')
    .filter((line) => line !== '')
    .map(decodeSnapshotLine);
}

describe('GET /internal/snapshot', () => {
  it('streams a header with the total, every customer (deleted ones marked) with its version, and an end line with the count', async () => {
    // Given customers, one of them updated and one deleted
    const [a, b, c] = [await api.create(customerInput()), await api.create(customerInput()), await api.create(customerInput())];
    await api.put(`/customers/${b.customer_id}/address`, { address: 'Moved 2' });
    await api.delete(`/customers/${c.customer_id}`);
    // When
    const response = await api.app.http.inject({ url: '/internal/snapshot', headers: bearer(TEST_TOKENS.operator) });
    expect((await api.get('/internal/snapshot')).statusCode).toBe(401);
    // Then
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const lines = decode(response.body);
    expect(lines.every((line) => line.kind !== 'invalid')).toBe(true);
    const header = lines[0]!;
    const end = lines.at(-1)!;
    const customers = new Map(lines.flatMap((line) => (line.kind === 'customer' ? [[line.customer.customer_id, line.customer]] : [])));
    expect(header).toEqual({ kind: 'header', total: customers.size });
    expect(end).toEqual({ kind: 'end', count: customers.size });
    expect(customers.get(a.customer_id)).toMatchObject({ address: a.address, version: 1, deleted: false });
    expect(customers.get(b.customer_id)).toMatchObject({ address: 'Moved 2', version: 2, deleted: false });
    expect(customers.get(c.customer_id)).toMatchObject({ version: 2, deleted: true });
  });

  it('is one consistent view: customers created while it is read are not in it, and its total matches its lines', async () => {
    // Given some customers and a snapshot read a page at a time (pages of 2)
    for (let i = 0; i < 6; i++) await api.create(customerInput());
    const lines: SnapshotLine[] = [];
    const reader = customerSnapshot(api.pool, 2);
    lines.push(...decode((await reader.next()).value as string));
    // When customers are created between two pages
    const late = await api.create(customerInput());
    for await (const chunk of reader) lines.push(...decode(chunk));
    // Then the late customer is not in it, and the header, the lines and the end agree
    const ids = lines.flatMap((line) => (line.kind === 'customer' ? [line.customer.customer_id] : []));
    expect(ids).not.toContain(late.customer_id);
    expect(lines[0]).toEqual({ kind: 'header', total: ids.length });
    expect(lines.at(-1)).toEqual({ kind: 'end', count: ids.length });
  });
});
