import { createGroupCommit, type GroupCommitObserver } from '@demo/service-kit';
import { sql, type Kysely } from 'kysely';
import { ORDER_STATUS_RULE, type OrderStatus } from '../domain/order-status.js';
import type { Database } from './schema.js';

export interface OrderRow {
  id: string;
  customer_id: string;
  status: OrderStatus;
  created_at: Date;
}

/**
 * Statements in flight at once on each of the order path's queues (its grouped placements, and
 * the grouped replica reads and inserts of orders that wait for their customer). One, not more:
 * with more statements in flight each carries fewer orders, so the same work costs more commits,
 * round trips and backend wake-ups on a machine that runs PostgreSQL beside the service. Measured
 * with the load test's orders phase when an order was still a read and then an insert (20,000
 * orders, concurrency 64, two instances, three runs each, alternating): 4 in flight gave
 * 5,107-5,487 req/s with p99 37-41 ms; 1 gave 7,573-9,217 req/s with p99 19-30 ms.
 */
export const ORDER_PATH_IN_FLIGHT = 1;

/** `observe`: told of every statement (the group_commit_* histograms). */
type GroupOptions = { maxBatch?: number; maxInFlight?: number; observe?: GroupCommitObserver };

interface Pending<O> {
  order: O;
  resolve(row: OrderRow | undefined): void;
  reject(error: unknown): void;
}

/**
 * Group commit for new orders: the orders placed while earlier statements are in flight share the
 * next one (one statement, one commit for up to `maxBatch` of them), as customer-service does for
 * its writes. Orders have no order among themselves, so none waits for another; a failed
 * statement fails the orders it carried, and none of them was written. Each order is answered
 * with the row `write` returned for its id, or undefined when it returned none.
 */
function groupedOrders<O extends { id: string }>(options: GroupOptions, write: (orders: O[]) => Promise<OrderRow[]>) {
  const queue = createGroupCommit<Pending<O>>({
    maxBatch: options.maxBatch ?? 256,
    maxInFlight: options.maxInFlight ?? ORDER_PATH_IN_FLIGHT,
    keyOf: () => undefined,
    observe: options.observe,
    async run(batch) {
      try {
        const byId = new Map((await write(batch.map((pending) => pending.order))).map((row) => [row.id, row]));
        for (const pending of batch) pending.resolve(byId.get(pending.order.id));
      } catch (error) {
        for (const pending of batch) pending.reject(error);
      }
    },
  });
  return (order: O) => new Promise<OrderRow | undefined>((resolve, reject) => queue.push({ order, resolve, reject }));
}

/** Orders whose status is decided already (an insert, grouped). */
export function createOrderInserts(db: Kysely<Database>, options: GroupOptions = {}) {
  const insert = groupedOrders<{ id: string; customerId: string; status: OrderStatus }>(options, async (orders) => {
    const result = await sql<OrderRow>`
      INSERT INTO orders (id, customer_id, status)
      SELECT * FROM unnest(${orders.map((o) => o.id)}::uuid[], ${orders.map((o) => o.customerId)}::uuid[], ${orders.map((o) => o.status)}::text[])
      RETURNING id::text, customer_id::text, status, created_at`.execute(db);
    return result.rows;
  });
  return {
    async insert(order: { id: string; customerId: string; status: OrderStatus }): Promise<OrderRow> {
      const row = await insert(order);
      if (!row) throw new Error(`order ${order.id} was not written`);
      return row;
    },
  };
}

/**
 * The usual order in one statement: for the customers the replica has (live, with an address),
 * the orders placed together are read against the replica and inserted by one INSERT … SELECT,
 * their status decided by the domain's rule inside it. An order whose customer the replica does
 * not have comes back undefined and nothing is written for it (the caller then waits for the
 * customer, see services/customer-lookup.ts). Half the statements, round trips and backend
 * wake-ups of a read followed by an insert.
 */
export function createOrderPlacements(db: Kysely<Database>, options: GroupOptions = {}) {
  const rule = ORDER_STATUS_RULE;
  const write = async (orders: Array<{ id: string; customerId: string }>) => {
    const result = await sql<OrderRow>`
      INSERT INTO orders (id, customer_id, status)
      SELECT wanted.id, customers.id,
             CASE WHEN customers.address = ${rule.failingAddress}::text THEN ${rule.whenFailing}::text ELSE ${rule.otherwise}::text END
      FROM unnest(${orders.map((o) => o.id)}::uuid[], ${orders.map((o) => o.customerId)}::uuid[]) AS wanted (id, customer_id)
      JOIN customers ON customers.id = wanted.customer_id
      WHERE NOT customers.deleted AND customers.address IS NOT NULL
      RETURNING id::text, customer_id::text, status, created_at`.execute(db);
    return result.rows;
  };
  return {
    /** The order written, or undefined when the replica has no live customer of that id (nothing written). */
    placeForKnownCustomer: groupedOrders(options, write),
    /**
     * Runs the placement for no orders (nothing written) on `connections` sessions at once, so
     * that the first orders after a start do not pay for what a statement costs only the first
     * time: the code's first compilation here, and in each new PostgreSQL session the catalog
     * lookups of the tables and indexes it touches (5 ms against 0.5 afterwards, measured with
     * psql). 32 orders at once on a restarted instance, four restarts each: answered in 43-63 ms
     * without, 46-51 ms with (the next 32 in 15-25 ms; an instance that has placed orders
     * before answers a first 32 on new connections in 32-46 ms).
     */
    async warm(connections: number): Promise<void> {
      await Promise.all(Array.from({ length: connections }, () => write([])));
    },
  };
}

export async function findOrder(db: Kysely<Database>, id: string): Promise<OrderRow | undefined> {
  return db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listOrdersOfCustomer(db: Kysely<Database>, customerId: string, limit: number): Promise<OrderRow[]> {
  return db
    .selectFrom('orders')
    .selectAll()
    .where('customer_id', '=', customerId)
    .orderBy('created_at')
    .orderBy('id')
    .limit(limit)
    .execute();
}
