/** Read-only access to both databases: the rows the verifier compares and table digests. */
import pg from 'pg';
import type { CustomerState } from './verify/fold.js';

export interface Databases {
  customer: pg.Pool;
  order: pg.Pool;
  close(): Promise<void>;
}

export function openDatabases(customerDbUrl: string, orderDbUrl: string): Databases {
  const options = { max: 4, connectionTimeoutMillis: 5_000, idleTimeoutMillis: 1_000 };
  const customer = new pg.Pool({ connectionString: customerDbUrl, ...options });
  const order = new pg.Pool({ connectionString: orderDbUrl, ...options });
  // A PostgreSQL restart kills idle clients: the pool must not crash the process for it.
  customer.on('error', () => undefined);
  order.on('error', () => undefined);
  return {
    customer,
    order,
    async close() {
      await Promise.all([customer.end(), order.end()]);
    },
  };
}

const CHUNK = 5_000;

/** customer_db rows (soft-deleted included) of the given ids. */
export async function sourceCustomers(pool: pg.Pool, ids: string[]): Promise<Map<string, CustomerState>> {
  const out = new Map<string, CustomerState>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    const { rows } = await pool.query<{ id: string; address: string; version: number; deleted: boolean }>(
      'SELECT id::text AS id, address, version::int AS version, deleted_at IS NOT NULL AS deleted FROM customers WHERE id = ANY($1::uuid[])',
      [ids.slice(i, i + CHUNK)],
    );
    for (const row of rows) out.set(row.id, row);
  }
  return out;
}

/** order_db replica rows of the given ids. */
export async function replicaCustomers(pool: pg.Pool, ids: string[]): Promise<Map<string, CustomerState>> {
  const out = new Map<string, CustomerState>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    const { rows } = await pool.query<{ id: string; address: string; version: number; deleted: boolean }>(
      'SELECT id::text AS id, address, version::int AS version, coalesce(deleted, false) AS deleted FROM customers WHERE id = ANY($1::uuid[])',
      [ids.slice(i, i + CHUNK)],
    );
    for (const row of rows) out.set(row.id, row);
  }
  return out;
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

/** One digest per table of the public schema: row count and an order-independent hash of every row. */
export async function digestTables(pool: pg.Pool): Promise<Record<string, string>> {
  const { rows: tables } = await pool.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name",
  );
  const out: Record<string, string> = {};
  for (const { table_name: table } of tables) {
    const quoted = `"${table.replace(/"/g, '""')}"`;
    const { rows } = await pool.query<{ n: string; h: string | null }>(
      `SELECT count(*)::text AS n, md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))) AS h FROM ${quoted} t`,
    );
    out[table] = `${rows[0]!.n}:${rows[0]!.h ?? '-'}`;
  }
  return out;
}

export function diffDigests(before: Record<string, string>, after: Record<string, string>): string[] {
  const tables = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...tables].filter((table) => before[table] !== after[table]).map((table) => `${table} (${before[table] ?? 'absent'} → ${after[table] ?? 'absent'})`);
}
