import { openSystemDatabases } from '@demo/service-kit/system';
import type pg from 'pg';
import { CUSTOMER_DB_URL, ORDER_DB_URL } from './config.js';

/** Read-only looks into the two databases (the suite never writes to them). */
export interface Databases {
  customers: pg.Pool;
  orders: pg.Pool;
  close(): Promise<void>;
}

export function openDatabases(): Databases {
  const { customer, order, close } = openSystemDatabases(
    { CUSTOMER_DATABASE_URL: CUSTOMER_DB_URL, ORDER_DATABASE_URL: ORDER_DB_URL },
    { applicationName: 'e2e' },
  );
  return { customers: customer, orders: order, close };
}

export interface ReplicaRow {
  id: string;
  address: string;
  version: number;
  deleted: boolean;
}

/** order_db's replica rows of these customers. */
export async function replicaRows(db: Databases, ids: string[]): Promise<Map<string, ReplicaRow>> {
  const { rows } = await db.orders.query<ReplicaRow>(
    'SELECT id::text AS id, address, version::int AS version, deleted FROM customers WHERE id = ANY($1::uuid[])',
    [ids],
  );
  return new Map(rows.map((row) => [row.id, row]));
}

export interface SourceRow {
  id: string;
  address: string;
  version: number;
  deleted: boolean;
}

/** customer_db's rows of these customers (a deleted customer keeps its row, with deleted_at set). */
export async function sourceRows(db: Databases, ids: string[]): Promise<Map<string, SourceRow>> {
  const { rows } = await db.customers.query<SourceRow>(
    `SELECT id::text AS id, address, version::int AS version, deleted_at IS NOT NULL AS deleted
       FROM customers WHERE id = ANY($1::uuid[])`,
    [ids],
  );
  return new Map(rows.map((row) => [row.id, row]));
}

/** How many customer rows carry this email (case-insensitive), deleted or not. */
export async function customersWithEmail(db: Databases, email: string): Promise<number> {
  const { rows } = await db.customers.query<{ count: string }>(
    'SELECT count(*) AS count FROM customers WHERE lower(email) = lower($1)',
    [email],
  );
  return Number(rows[0]?.count ?? 0);
}
