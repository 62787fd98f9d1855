/** Read-only access to both databases: the rows the verifier compares and table digests. */
import { openSystemDatabases, type SystemDatabases } from '@demo/service-kit/system';
import type pg from 'pg';
import type { CustomerState } from './verify/fold.js';

export type Databases = SystemDatabases;

export function openDatabases(customerDbUrl: string, orderDbUrl: string): Databases {
  return openSystemDatabases({ CUSTOMER_DATABASE_URL: customerDbUrl, ORDER_DATABASE_URL: orderDbUrl }, { applicationName: 'chaos', max: 4 });
}

const CHUNK = 5_000;

/** Rows of the given ids, `ids.length / CHUNK` queries of `query` (which takes the ids as $1). */
async function statesOf(pool: pg.Pool, query: string, ids: string[]): Promise<Map<string, CustomerState>> {
  const out = new Map<string, CustomerState>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    const { rows } = await pool.query<CustomerState>(query, [ids.slice(i, i + CHUNK)]);
    for (const row of rows) out.set(row.id, row);
  }
  return out;
}

/** customer_db rows (soft-deleted included) of the given ids. */
export function sourceCustomers(pool: pg.Pool, ids: string[]): Promise<Map<string, CustomerState>> {
  return statesOf(
    pool,
    'SELECT id::text AS id, address, version::int AS version, deleted_at IS NOT NULL AS deleted FROM customers WHERE id = ANY($1::uuid[])',
    ids,
  );
}

/** order_db replica rows of the given ids. */
export function replicaCustomers(pool: pg.Pool, ids: string[]): Promise<Map<string, CustomerState>> {
  return statesOf(
    pool,
    'SELECT id::text AS id, address, version::int AS version, coalesce(deleted, false) AS deleted FROM customers WHERE id = ANY($1::uuid[])',
    ids,
  );
}

/** How many of the ids differ between customer_db and the replica (address, version, deletion). */
export async function countDiverging(dbs: Databases, ids: string[]): Promise<number> {
  const [source, replica] = await Promise.all([sourceCustomers(dbs.customer, ids), replicaCustomers(dbs.order, ids)]);
  let diverging = 0;
  for (const id of ids) {
    const a = source.get(id);
    const b = replica.get(id);
    if (!a || !b || a.version !== b.version || a.address !== b.address || a.deleted !== b.deleted) diverging++;
  }
  return diverging;
}

/**
 * One digest per table of the public schema: row count and an order-independent hash of every row, the
 * sum of a 60-bit slice of each row's md5 (a sum needs no sort: after a million-customer load run the
 * sorted aggregate of every row's hash took 82 s of a chaos run; a change to any row moves the sum).
 */
export async function digestTables(pool: pg.Pool): Promise<Record<string, string>> {
  const { rows: tables } = await pool.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name",
  );
  const out: Record<string, string> = {};
  for (const { table_name: table } of tables) {
    const quoted = `"${table.replace(/"/g, '""')}"`;
    const { rows } = await pool.query<{ n: string; h: string | null }>(
      `SELECT count(*)::text AS n, sum(('x' || substr(md5(t::text), 1, 15))::bit(60)::bigint)::text AS h FROM ${quoted} t`,
    );
    out[table] = `${rows[0]!.n}:${rows[0]!.h ?? '-'}`;
  }
  return out;
}

export function diffDigests(before: Record<string, string>, after: Record<string, string>): string[] {
  const tables = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...tables].filter((table) => before[table] !== after[table]).map((table) => `${table} (${before[table] ?? 'absent'} → ${after[table] ?? 'absent'})`);
}
