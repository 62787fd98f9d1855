import { expect } from 'vitest';
import { CUSTOMER_URL } from './config.js';
import { eventually } from './eventually.js';
import { get } from './http.js';
import { replicaOf, type Customer } from './api.js';

interface Expected {
  address?: string;
  version?: number;
  deleted: boolean;
}

async function inChunks<T, R>(items: T[], size: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size) results.push(...(await Promise.all(items.slice(i, i + size).map(work))));
  return results;
}

/** What customer-service says about each customer now: address and version, or deleted (404). */
async function truthOf(customerIds: string[]): Promise<Map<string, Expected>> {
  const entries = await inChunks(customerIds, 20, async (id): Promise<[string, Expected]> => {
    const response = await get<Customer>(`${CUSTOMER_URL}/customers/${id}`);
    if (response.status === 404) return [id, { deleted: true }];
    if (response.status !== 200) throw new Error(`GET /customers/${id} answered ${response.status}`);
    return [id, { address: response.body.address, version: response.body.version, deleted: false }];
  });
  return new Map(entries);
}

/**
 * Waits until `orderUrl`'s replica (GET /replica/customers/:id) holds, for every customer, what
 * customer-service says now: the same address and version, or deleted when customer-service answers 404.
 */
export async function awaitReplicaCaughtUp(orderUrl: string, customerIds: string[], timeoutMs = 15_000): Promise<void> {
  const truth = await truthOf(customerIds);
  const pending = new Set(customerIds);
  await eventually(
    async () => {
      await inChunks([...pending], 20, async (id) => {
        const expected = truth.get(id)!;
        const replica = await replicaOf(orderUrl, id);
        const actual =
          replica.status !== 200
            ? { status: replica.status }
            : expected.deleted
              ? { deleted: replica.body.deleted }
              : { address: replica.body.address, version: replica.body.version, deleted: replica.body.deleted };
        const wanted = expected.deleted ? { deleted: true } : expected;
        if (JSON.stringify(actual) === JSON.stringify(wanted)) pending.delete(id);
      });
      const [first] = pending;
      if (first !== undefined) {
        const replica = await replicaOf(orderUrl, first);
        expect(
          replica.status === 200 ? replica.body : { status: replica.status },
          `${pending.size} of ${customerIds.length} customers not caught up on ${orderUrl}; e.g. ${first}`,
        ).toMatchObject(truth.get(first)!.deleted ? { deleted: true } : truth.get(first)!);
      }
    },
    { timeoutMs, intervalMs: 100, what: `replica on ${orderUrl} to catch up with ${customerIds.length} customers` },
  );
}
