import { randomUUID } from 'node:crypto';
import { until } from '@demo/test-support';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCustomerBatcher } from '../../src/db/create-batcher.js';
import { customerRepository } from '../../src/db/customers.js';
import { decide, type Customer } from '../../src/domain/customer.js';
import { toOutboxEntry } from '../../src/outbox/encode.js';
import { useMigratedDatabase } from '../support/resources.js';

// A change is decided on the state read before it; the statement that saves it must refuse it
// when another change of the customer committed in between, even one still in flight.

const database = useMigratedDatabase();
let customers: ReturnType<typeof customerRepository>;

beforeAll(() => {
  customers = customerRepository(database.db, database.pool);
});

async function existingCustomer(): Promise<Customer> {
  const { state, event } = decide({
    type: 'create',
    id: randomUUID(),
    name: 'Saved',
    email: `saved-${randomUUID()}@example.com`,
    address: 'Old Road 1',
    at: new Date(),
  });
  expect(await createCustomerBatcher(database.pool).create(state, toOutboxEntry(event, 'save-test'))).toEqual({ kind: 'created' });
  return state;
}

function addressChange(current: Customer, address: string) {
  const decision = decide({ type: 'change_address', address, at: new Date() }, current);
  if (decision.kind !== 'decided') throw new Error('the customer exists');
  return { state: decision.state, entry: toOutboxEntry(decision.event, 'save-test') };
}

async function stored(id: string) {
  const row = await database.pool.query<{ address: string; version: number }>('SELECT address, version FROM customers WHERE id = $1', [id]);
  const outbox = await database.pool.query<{ version: number }>('SELECT version FROM outbox WHERE customer_id = $1 ORDER BY id', [id]);
  return { ...row.rows[0], outbox: outbox.rows.map((r) => r.version) };
}

describe('customer repository: saveChanges', () => {
  it('writes the decided state and its outbox row when the customer is still at the version it was decided on', async () => {
    // Given
    const current = await existingCustomer();
    const { state, entry } = addressChange(current, 'New Road 2');
    // When
    const saved = await customers.saveChanges([{ state, expectedVersion: current.version, entry }]);
    // Then
    expect(saved).toEqual(new Set([current.id]));
    expect(await stored(current.id)).toEqual({ address: 'New Road 2', version: 2, outbox: [1, 2] });
    expect(await customers.find(current.id)).toEqual(state);
  });

  it('writes nothing for a change decided on a version that a concurrent change (committed while it waited) replaced', async () => {
    // Given a customer, and a transaction holding a change of it to version 2, not yet committed
    const current = await existingCustomer();
    const holder = await database.pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`UPDATE customers SET address = 'Held Road', version = 2 WHERE id = $1`, [current.id]);
      const holderPid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      // When a change decided on version 1 is saved, waits for that row, and the holder commits
      const { state, entry } = addressChange(current, 'Late Road');
      const saving = customers.saveChanges([{ state, expectedVersion: current.version, entry }]);
      await until(async () => {
        const result = await database.pool.query(`SELECT 1 FROM pg_stat_activity WHERE $1::int = ANY(pg_blocking_pids(pid))`, [holderPid]);
        return (result.rowCount ?? 0) > 0;
      }, 10_000, 'the save waiting on the held change');
      await holder.query('COMMIT');
      // Then it was refused, and neither its change nor its event was written
      expect(await saving).toEqual(new Set());
      expect(await stored(current.id)).toEqual({ address: 'Held Road', version: 2, outbox: [1] });
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      holder.release();
    }
  });

  it('writes a batch of changes in one statement and refuses only the one decided on a replaced version', async () => {
    // Given three customers, one of which changed since its change was decided
    const [a, b, stale] = [await existingCustomer(), await existingCustomer(), await existingCustomer()];
    await database.pool.query(`UPDATE customers SET address = 'Elsewhere', version = 2 WHERE id = $1`, [stale.id]);
    const changes = [a, b, stale].map((current) => ({ ...addressChange(current, `Batch Road ${current.id.slice(0, 4)}`), expectedVersion: current.version }));
    // When
    const saved = await customers.saveChanges(changes);
    // Then
    expect(saved).toEqual(new Set([a.id, b.id]));
    expect(await stored(a.id)).toEqual({ address: `Batch Road ${a.id.slice(0, 4)}`, version: 2, outbox: [1, 2] });
    expect(await stored(b.id)).toEqual({ address: `Batch Road ${b.id.slice(0, 4)}`, version: 2, outbox: [1, 2] });
    expect(await stored(stale.id)).toEqual({ address: 'Elsewhere', version: 2, outbox: [1] });
  });
});
