import { randomUUID } from 'node:crypto';
import { until } from '@demo/test-support';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createCustomerBatcher, type IdempotentRequest } from '../../src/db/create-batcher.js';
import { decide, type Customer } from '../../src/domain/customer.js';
import { toOutboxEntry } from '../../src/outbox/encode.js';
import { useMigratedDatabase } from '../support/resources.js';

// A create batch is one autocommit statement. Two statements carrying one Idempotency-Key race on
// the key's unique index: these tests make the race happen on purpose, with a transaction held open.

const database = useMigratedDatabase();

function newCustomer(tag: string): Customer {
  const email = `${tag}-${randomUUID()}@example.com`;
  return decide({ type: 'create', id: randomUUID(), name: `Batch ${tag}`, email, address: `${tag} Street 1`, at: new Date() }).state;
}

/** The outbox row of a customer's create, as the service encodes it. */
function eventOf(customer: Customer) {
  const { id, name, email, address, created_at: at } = customer;
  const { event } = decide({ type: 'create', id, name, email, address, at });
  return toOutboxEntry(event, `batcher-test-${customer.id}`);
}

/** Until a statement of the batcher waits for a lock that `holder` has. */
async function waitingOn(holder: pg.PoolClient): Promise<void> {
  const holderPid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  await until(async () => {
    const result = await database.pool.query(`SELECT 1 FROM pg_stat_activity WHERE $1::int = ANY(pg_blocking_pids(pid))`, [holderPid]);
    return (result.rowCount ?? 0) > 0;
  }, 10_000, 'a create statement waiting on the held transaction');
}

async function rowsFor(customers: Customer[]): Promise<{ customers: number; outbox: number }> {
  const ids = customers.map((customer) => customer.id);
  const result = await database.pool.query<{ customers: number; outbox: number }>(
    `SELECT (SELECT count(*)::int FROM customers WHERE id = ANY($1::uuid[])) AS customers,
            (SELECT count(*)::int FROM outbox WHERE customer_id = ANY($1::uuid[])) AS outbox`,
    [ids],
  );
  return result.rows[0]!;
}

const SCOPE = 'POST /customers anonymous';

describe('create batcher: an Idempotency-Key stored by a concurrent statement', () => {
  it('runs the batch again: the keyed create gets the stored answer, the others of its batch are created once', async () => {
    const key = `race-${randomUUID()}`;
    const first = newCustomer('blocker');
    // Given a transaction that holds a customer's email (so the next batch queues up behind it)…
    const emailHolder = await database.pool.connect();
    const keyHolder = await database.pool.connect();
    try {
      await emailHolder.query('BEGIN');
      await emailHolder.query(`INSERT INTO customers (id, name, email, address, version, created_at, updated_at) VALUES ($1, 'held', $2, 'held', 1, now(), now())`, [
        randomUUID(),
        first.email,
      ]);
      // …and another that has stored the key, not yet committed
      await keyHolder.query('BEGIN');
      await keyHolder.query(
        `INSERT INTO idempotency_keys (scope, key, request_hash, status, response) VALUES ($1, $2, 'first-hash', 201, '{"from":"first"}')`,
        [SCOPE, key],
      );
      const batcher = createCustomerBatcher(database.pool, { maxInFlight: 1 });
      const blocked = batcher.create(first, eventOf(first));
      await waitingOn(emailHolder);
      // When a keyed create and an unkeyed one share the next batch, which starts while the key is uncommitted
      const keyed = newCustomer('keyed');
      const plain = newCustomer('plain');
      const request: IdempotentRequest = { scope: SCOPE, key, requestHash: 'second-hash', response: { from: 'second' } };
      const outcomes = Promise.all([batcher.create(keyed, eventOf(keyed), request), batcher.create(plain, eventOf(plain))]);
      await emailHolder.query('ROLLBACK');
      await expect(blocked).resolves.toEqual({ kind: 'created' });
      await waitingOn(keyHolder);
      await keyHolder.query('COMMIT');
      // Then the keyed create answers with what the key's first holder stored, and writes nothing
      const [keyedOutcome, plainOutcome] = await outcomes;
      expect(keyedOutcome).toEqual({ kind: 'replay', existing: { requestHash: 'first-hash', status: 201, response: { from: 'first' } } });
      expect(await rowsFor([keyed])).toEqual({ customers: 0, outbox: 0 });
      // And the other create of that batch was written exactly once, with its one event
      expect(plainOutcome).toEqual({ kind: 'created' });
      expect(await rowsFor([plain])).toEqual({ customers: 1, outbox: 1 });
    } finally {
      await emailHolder.query('ROLLBACK').catch(() => undefined);
      await keyHolder.query('ROLLBACK').catch(() => undefined);
      emailHolder.release();
      keyHolder.release();
    }
  });

  it('stores no key for a create whose email is taken, so a retry of it is judged again', async () => {
    // Given a customer, and a keyed create with its email
    const batcher = createCustomerBatcher(database.pool);
    const existing = newCustomer('taken');
    expect(await batcher.create(existing, eventOf(existing))).toEqual({ kind: 'created' });
    const key = `taken-${randomUUID()}`;
    const duplicate = { ...newCustomer('taken-again'), email: existing.email };
    // When
    const outcome = await batcher.create(duplicate, eventOf(duplicate), { scope: SCOPE, key, requestHash: 'h', response: {} });
    // Then
    expect(outcome).toEqual({ kind: 'email_taken' });
    expect((await database.pool.query('SELECT 1 FROM idempotency_keys WHERE key = $1', [key])).rowCount).toBe(0);
    expect(await rowsFor([duplicate])).toEqual({ customers: 0, outbox: 0 });
  });
});

describe('create batcher: whose key, and for how long', () => {
  /** A key stored `hoursAgo` in `scope`, as a first create would have stored it. */
  async function storedKey(scope: string, key: string, hoursAgo: number) {
    await database.pool.query(
      `INSERT INTO idempotency_keys (scope, key, request_hash, status, response, created_at)
       VALUES ($1, $2, 'old-hash', 201, '{"from":"old"}', now() - make_interval(hours => $3))`,
      [scope, key, hoursAgo],
    );
  }
  const keyRow = async (scope: string, key: string) =>
    (await database.pool.query<{ request_hash: string; fresh: boolean }>(
      `SELECT request_hash, created_at > now() - interval '1 minute' AS fresh FROM idempotency_keys WHERE scope = $1 AND key = $2`,
      [scope, key],
    )).rows;

  it('forgets an expired key: the create is a new one, and the key is stored again with it', async () => {
    // Given a key stored 25 hours ago, with a time to live of 24
    const key = `expired-${randomUUID()}`;
    await storedKey(SCOPE, key, 25);
    const batcher = createCustomerBatcher(database.pool, { keyTtlHours: 24 });
    // When it comes again with another body
    const customer = newCustomer('after-expiry');
    const outcome = await batcher.create(customer, eventOf(customer), { scope: SCOPE, key, requestHash: 'new-hash', response: { from: 'new' } });
    // Then
    expect(outcome).toEqual({ kind: 'created' });
    expect(await rowsFor([customer])).toEqual({ customers: 1, outbox: 1 });
    expect(await keyRow(SCOPE, key)).toEqual([{ request_hash: 'new-hash', fresh: true }]);
  });

  it('still answers a key within its time to live with what it stored', async () => {
    const key = `fresh-${randomUUID()}`;
    await storedKey(SCOPE, key, 23);
    const batcher = createCustomerBatcher(database.pool, { keyTtlHours: 24 });
    const customer = newCustomer('before-expiry');
    const outcome = await batcher.create(customer, eventOf(customer), { scope: SCOPE, key, requestHash: 'new-hash', response: {} });
    expect(outcome).toEqual({ kind: 'replay', existing: { requestHash: 'old-hash', status: 201, response: { from: 'old' } } });
    expect(await rowsFor([customer])).toEqual({ customers: 0, outbox: 0 });
  });

  it('keeps the scopes apart: the same key of another client is another key', async () => {
    const key = `shared-${randomUUID()}`;
    await storedKey(SCOPE, key, 0);
    const batcher = createCustomerBatcher(database.pool);
    const customer = newCustomer('other-client');
    const outcome = await batcher.create(customer, eventOf(customer), { scope: 'POST /customers reader', key, requestHash: 'h', response: {} });
    expect(outcome).toEqual({ kind: 'created' });
    expect(await keyRow('POST /customers reader', key)).toEqual([{ request_hash: 'h', fresh: true }]);
    expect(await keyRow(SCOPE, key)).toEqual([{ request_hash: 'old-hash', fresh: true }]);
  });
});
