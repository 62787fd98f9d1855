import { readFile } from 'node:fs/promises';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { openDatabases, replicaRows, sourceRows } from './support/db.js';
import { eventually } from './support/eventually.js';

// Scenario 7: after the suite, order_db's replica agrees with customer_db on every customer the suite created.
const db = openDatabases();
afterAll(() => db.close());

async function createdBySuite(): Promise<string[]> {
  const text = await readFile(inject('createdCustomersFile'), 'utf8').catch(() => '');
  return [...new Set(text.split('\n').filter((line) => line.length > 0))];
}

describe('consistency after the suite', () => {
  it("every customer the suite created has the same address, version and deletion in order_db's replica as in customer_db", async () => {
    // Given every customer the suite created (over all files of this run)
    const ids = await createdBySuite();
    expect(ids.length, 'customers created by this run (run the whole suite)').toBeGreaterThan(0);

    // Then customer_db holds them all, and the replica converges to exactly the same rows
    const source = await sourceRows(db, ids);
    expect(ids.filter((id) => !source.has(id)), 'created customers missing from customer_db').toEqual([]);
    await eventually(
      async () => {
        const replica = await replicaRows(db, ids);
        const mismatches = ids
          .map((id) => ({ id, customer_db: source.get(id), order_db: replica.get(id) ?? null }))
          .filter(
            ({ customer_db, order_db }) =>
              order_db === null ||
              order_db.version !== customer_db!.version ||
              order_db.deleted !== customer_db!.deleted ||
              // a deletion keeps the last address on both sides
              order_db.address !== customer_db!.address,
          );
        expect(mismatches.slice(0, 5), `${mismatches.length} of ${ids.length} customers differ`).toEqual([]);
      },
      { timeoutMs: 15_000, intervalMs: 200, what: 'replica to equal customer_db' },
    );
    const deleted = [...source.values()].filter((row) => row.deleted).length;
    console.log(`checked ${ids.length} customers (${deleted} deleted): replica equals customer_db`);
  });
});
