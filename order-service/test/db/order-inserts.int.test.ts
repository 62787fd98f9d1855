import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { createPool, migrateToLatest } from '@demo/service-kit';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '@demo/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrderInserts, createOrderPlacements } from '../../src/db/orders.js';
import { orderStatusFor } from '../../src/domain/order-status.js';
import { replicaCustomerQueries } from '../../src/db/replica.js';
import { migrations } from '../../src/db/migrations/index.js';
import type { Database } from '../../src/db/schema.js';
import { kyselyFor } from '../support/replica.js';

// Orders placed together share one INSERT: against real PostgreSQL, every order is written and
// answered with its own row, and orders that arrive together commit in one transaction.
let database: TestDatabase;
let db: Kysely<Database>;

beforeAll(async () => {
  database = await createTestDatabase('order_inserts');
  db = kyselyFor(database.url);
  await migrateToLatest(db as Kysely<unknown>, migrations, pino({ level: 'silent' }));
});

afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

describe('order inserts, group-committed', () => {
  it('writes each of the orders that arrive together, in at most two transactions, and answers each with its own row', async () => {
    // Given one insert in flight at a time
    const inserts = createOrderInserts(db, { maxBatch: 256, maxInFlight: 1 });
    const orders = Array.from({ length: 50 }, (_, k) => ({ id: randomUUID(), customerId: randomUUID(), status: k % 5 === 0 ? ('Failed' as const) : ('Processing' as const) }));
    // When fifty orders arrive at once
    const rows = await Promise.all(orders.map((order) => inserts.insert(order)));
    // Then each answer is its own order
    expect(rows.map((row) => [row.id, row.customer_id, row.status])).toEqual(orders.map((order) => [order.id, order.customerId, order.status]));
    expect(rows.every((row) => row.created_at instanceof Date)).toBe(true);
    // and they were written by at most two transactions (now() is the transaction's start: one value per transaction)
    const stored = await db.selectFrom('orders').select(['id', 'created_at']).where('id', 'in', orders.map((order) => order.id)).execute();
    expect(stored).toHaveLength(50);
    expect(new Set(stored.map((row) => row.created_at.getTime())).size).toBeLessThanOrEqual(2);
  });

  it('fails every order of a statement that fails, and writes none of them', async () => {
    const inserts = createOrderInserts(db, { maxBatch: 256, maxInFlight: 1 });
    const good = { id: randomUUID(), customerId: randomUUID(), status: 'Processing' as const };
    // An id already used makes the whole statement fail (primary key)
    await inserts.insert(good);
    const again = { id: randomUUID(), customerId: randomUUID(), status: 'Processing' as const };
    const results = await Promise.allSettled([inserts.insert({ ...good }), inserts.insert(again)]);
    expect(results[0]!.status).toBe('rejected');
    const second = results[1]!;
    // (the second may have shared the failed statement, or gone alone; either way it is not half-written)
    const stored = await db.selectFrom('orders').select('id').where('id', '=', again.id).execute();
    expect(stored.length).toBe(second.status === 'fulfilled' ? 1 : 0);
  });
});

describe('order placements: the replica read and the insert in one statement', () => {
  it("writes the orders of the replica's live customers with the domain's status, and nothing for the others", async () => {
    // Given customers of every kind the replica can hold
    const addresses = ['1 Main St', 'unknown', 'Unknown', ' unknown'];
    const known = addresses.map((address) => ({ id: randomUUID(), address }));
    const deleted = randomUUID();
    const noAddress = randomUUID();
    await db
      .insertInto('customers')
      .values([
        ...known.map(({ id, address }) => ({ id, address, version: 1, deleted: false, updated_at: new Date(), last_event_offset: '0' })),
        { id: deleted, address: 'Gone St', version: 2, deleted: true, updated_at: new Date(), last_event_offset: '0' },
        { id: noAddress, address: null, version: 1, deleted: false, updated_at: new Date(), last_event_offset: '0' },
      ])
      .execute();
    const placements = createOrderPlacements(db, { maxBatch: 256, maxInFlight: 1 });
    const wanted = [
      ...known.map(({ id }) => id),
      known[0]!.id.toUpperCase(),
      deleted,
      noAddress,
      randomUUID(),
    ].map((customerId) => ({ id: randomUUID(), customerId }));
    // When they are placed together
    const rows = await Promise.all(wanted.map((order) => placements.placeForKnownCustomer(order)));
    // Then the known ones are written with the status the domain gives their address
    expect(rows.map((row) => row && [row.id, row.customer_id, row.status])).toEqual([
      ...known.map(({ id, address }, k) => [wanted[k]!.id, id, orderStatusFor(address)]),
      [wanted[4]!.id, known[0]!.id, 'Processing'],
      undefined,
      undefined,
      undefined,
    ]);
    expect(rows.map((row) => row?.status).slice(0, 4)).toEqual(['Processing', 'Failed', 'Processing', 'Processing']);
    // and nothing for the deleted, the address-less and the unknown customer
    const stored = await db.selectFrom('orders').select('id').where('id', 'in', wanted.map((order) => order.id)).execute();
    expect(stored).toHaveLength(5);
  });

  it('places many orders with few statements', async () => {
    const customer = randomUUID();
    await db.insertInto('customers').values({ id: customer, address: '2 Main St', version: 1, deleted: false, updated_at: new Date(), last_event_offset: '0' }).execute();
    const placements = createOrderPlacements(db, { maxBatch: 256, maxInFlight: 1 });
    const rows = await Promise.all(Array.from({ length: 50 }, () => placements.placeForKnownCustomer({ id: randomUUID(), customerId: customer })));
    expect(rows.every((row) => row?.status === 'Processing')).toBe(true);
    // now() is the transaction's start: one value per transaction
    expect(new Set(rows.map((row) => row!.created_at.getTime())).size).toBeLessThanOrEqual(2);
  });
});

describe('warming the order path', () => {
  it('runs the placement on as many sessions as asked, at once, and writes nothing', async () => {
    // Given a pool of its own (its sessions are the only ones of that name)
    const application = `warm-${randomUUID().slice(0, 8)}`;
    const pool = createPool({ url: database.url, poolSize: 4, applicationName: application });
    const own = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    try {
      const before = await db.selectFrom('orders').select(db.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      // When the placements are warmed on two sessions
      await createOrderPlacements(own).warm(2);
      // Then two sessions exist, and the last statement of each was the placement
      const sessions = await db
        .selectFrom(sql<{ query: string }>`pg_stat_activity`.as('a'))
        .select('a.query')
        .where(sql`a.application_name`, '=', application)
        .execute();
      expect(sessions).toHaveLength(2);
      for (const session of sessions) expect(session.query).toMatch(/INSERT INTO orders[\s\S]*JOIN customers/);
      // and no order was written
      const after = await db.selectFrom('orders').select(db.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      expect(Number(after.n)).toBe(Number(before.n));
    } finally {
      await own.destroy();
    }
  });
});

describe('replica reads for orders, grouped', () => {
  it('answers each read with its own customer, or nothing, whatever the case of the id, from one query', async () => {
    // Given two customers in the replica
    const [a, b] = [randomUUID(), randomUUID()];
    await db
      .insertInto('customers')
      .values([a, b].map((id, k) => ({ id, address: `Road ${k}`, version: 1, deleted: false, updated_at: new Date(), last_event_offset: '0' })))
      .execute();
    const queries = replicaCustomerQueries(db, { maxBatch: 256, maxInFlight: 1 });
    // When reads of them, of an unknown id and of one in upper case arrive together
    const [first, second, unknown, upper] = await Promise.all([queries.one(a), queries.one(b), queries.one(randomUUID()), queries.one(b.toUpperCase())]);
    // Then
    expect([first?.id, first?.address, second?.address, unknown, upper?.id]).toEqual([a, 'Road 0', 'Road 1', undefined, b]);
  });
});
