import { randomUUID } from 'node:crypto';
import { until } from '@demo/test-support';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCustomerBatcher } from '../../src/db/create-batcher.js';
import { customerRepository } from '../../src/db/customers.js';
import { decide, type Customer } from '../../src/domain/customer.js';
import { toOutboxEntry } from '../../src/outbox/encode.js';
import { createChangeBatcher } from '../../src/services/change-batcher.js';
import { useMigratedDatabase } from '../support/resources.js';

// Changes share statements; a customer's changes must still be decided one after the other, on
// the state the previous one committed, and come out as versions and events in request order.

const database = useMigratedDatabase();
let repository: ReturnType<typeof customerRepository>;

beforeAll(() => {
  repository = customerRepository(database.db, database.pool);
});

async function existingCustomer(): Promise<Customer> {
  const { state, event } = decide({ type: 'create', id: randomUUID(), name: 'Changed', email: `changed-${randomUUID()}@example.com`, address: 'Start 0', at: new Date() });
  expect(await createCustomerBatcher(database.pool).create(state, toOutboxEntry(event, 'change-test'))).toEqual({ kind: 'created' });
  return state;
}

const changeAddress = (address: string) => ({ type: 'change_address' as const, address, at: new Date() });

async function history(id: string) {
  const row = await database.pool.query<{ address: string; version: number; deleted: boolean }>(
    'SELECT address, version, deleted_at IS NOT NULL AS deleted FROM customers WHERE id = $1',
    [id],
  );
  const events = await database.pool.query<{ version: number; event_type: string; address: string | null }>(
    `SELECT version, event_type, body::json->>'address' AS address FROM outbox WHERE customer_id = $1 ORDER BY id`,
    [id],
  );
  return { ...row.rows[0], events: events.rows };
}

describe('change batcher', () => {
  it("applies a customer's concurrent changes in the order they came, each on the state the one before left", async () => {
    // Given a customer and a batcher that carries many changes per statement
    const customer = await existingCustomer();
    const batcher = createChangeBatcher(repository, { maxBatch: 64, maxInFlight: 2 });
    // When ten changes of it arrive at once, beside changes of other customers
    const others = await Promise.all([existingCustomer(), existingCustomer()]);
    const outcomes = await Promise.all([
      ...Array.from({ length: 10 }, (_, k) => batcher.change(customer.id, changeAddress(`Road ${k + 1}`), `c-${k}`)),
      ...others.map((other) => batcher.change(other.id, changeAddress('Other Road'), 'other')),
    ]);
    // Then each got the next version, in request order, and its event is in that order too
    expect(outcomes.slice(0, 10).map((outcome) => (outcome.kind === 'changed' ? outcome.state.version : 0))).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    const { events, ...row } = await history(customer.id);
    expect(row).toEqual({ address: 'Road 10', version: 11, deleted: false });
    expect(events.map((event) => [event.version, event.address])).toEqual([
      [1, 'Start 0'],
      ...Array.from({ length: 10 }, (_, k) => [k + 2, `Road ${k + 1}`]),
    ]);
    for (const other of others) expect((await history(other.id)).version).toBe(2);
  });

  it("shares one statement among the changes of different customers that arrive together", async () => {
    // Given twenty customers, and a batcher with one statement in flight that counts its writes
    const customers = await Promise.all(Array.from({ length: 20 }, () => existingCustomer()));
    const writes: number[] = [];
    const counting = {
      findLive: (ids: readonly string[]) => repository.findLive(ids),
      saveChanges: (changes: Parameters<typeof repository.saveChanges>[0]) => {
        writes.push(changes.length);
        return repository.saveChanges(changes);
      },
    };
    const batcher = createChangeBatcher(counting, { maxBatch: 256, maxInFlight: 1 });
    // When an update or a delete of each arrives at once
    const outcomes = await Promise.all(
      customers.map((customer, k) => batcher.change(customer.id, k % 2 === 0 ? changeAddress(`Shared ${k}`) : { type: 'delete', at: new Date() }, `s-${k}`)),
    );
    // Then each was written, in at most two statements (the first alone, the rest together)
    expect(outcomes.every((outcome) => outcome.kind === 'changed')).toBe(true);
    expect(writes.length).toBeLessThanOrEqual(2);
    expect(writes.reduce((a, b) => a + b, 0)).toBe(20);
    for (const [k, customer] of customers.entries()) {
      expect(await history(customer.id)).toMatchObject({ version: 2, deleted: k % 2 === 1 });
    }
  });

  it('answers not_found for an unknown customer and for one deleted before, and writes nothing for them', async () => {
    const customer = await existingCustomer();
    const batcher = createChangeBatcher(repository);
    const [deleted, afterDelete, unknown] = await Promise.all([
      batcher.change(customer.id, { type: 'delete', at: new Date() }, 'd'),
      batcher.change(customer.id, changeAddress('Too Late'), 'late'),
      batcher.change(randomUUID(), changeAddress('Nowhere'), 'unknown'),
    ]);
    expect(deleted).toMatchObject({ kind: 'changed', state: { version: 2 }, entry: { event_type: 'customer.deleted' } });
    expect(afterDelete).toEqual({ kind: 'not_found' });
    expect(unknown).toEqual({ kind: 'not_found' });
    expect((await history(customer.id)).events.map((event) => event.event_type)).toEqual(['customer.created', 'customer.deleted']);
  });

  it('decides a change again when another writer changed the customer after it was read', async () => {
    // Given a customer, and another writer (another instance) holding a change of it, not committed
    const customer = await existingCustomer();
    const holder = await database.pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`UPDATE customers SET address = 'Held Road', version = 2 WHERE id = $1`, [customer.id]);
      const holderPid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      // When a change is read at version 1, its write waits on the held row, and the holder commits
      const changing = createChangeBatcher(repository).change(customer.id, changeAddress('Mine'), 'mine');
      await until(async () => {
        const result = await database.pool.query(`SELECT 1 FROM pg_stat_activity WHERE $1::int = ANY(pg_blocking_pids(pid))`, [holderPid]);
        return (result.rowCount ?? 0) > 0;
      }, 10_000, 'the change waiting on the held row');
      await holder.query('COMMIT');
      // Then the change is decided again on version 2, and written as version 3
      expect(await changing).toMatchObject({ kind: 'changed', state: { version: 3, address: 'Mine' } });
      const { events, ...row } = await history(customer.id);
      expect(row).toEqual({ address: 'Mine', version: 3, deleted: false });
      expect(events.map((event) => event.version)).toEqual([1, 3]);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      holder.release();
    }
  });
});
