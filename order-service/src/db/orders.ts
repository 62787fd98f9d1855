import type { Kysely } from 'kysely';
import type { OrderStatus } from '../domain/order-status.js';
import type { Database } from './schema.js';

export interface OrderRow {
  id: string;
  customer_id: string;
  status: OrderStatus;
  created_at: Date;
}

export async function insertOrder(
  db: Kysely<Database>,
  order: { id: string; customerId: string; status: OrderStatus },
): Promise<OrderRow> {
  return db
    .insertInto('orders')
    .values({ id: order.id, customer_id: order.customerId, status: order.status })
    .returningAll()
    .executeTakeFirstOrThrow();
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
