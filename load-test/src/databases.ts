import { openSystemDatabases, type SystemDatabases } from '@demo/service-kit/system';
import pg from 'pg';
import type { CustomerRow } from './digest.js';
import { emailPattern } from './phases/model.js';

// bigint sums come back as strings; the counts here fit a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export type Databases = SystemDatabases;

export function openDatabases(customerUrl: string, orderUrl: string): Databases {
  return openSystemDatabases({ CUSTOMER_DATABASE_URL: customerUrl, ORDER_DATABASE_URL: orderUrl }, { applicationName: 'load-test' });
}

export interface Summary {
  count: number;
  versionSum: number;
  digest: string;
}

// One line per customer, ordered by id, hashed in SQL: the same text on both sides when they agree.
const DIGEST = (deleted: string) =>
  `count(*)::int AS count, coalesce(sum(version), 0)::bigint AS "versionSum",
   md5(coalesce(string_agg(id::text || '|' || coalesce(address, '<null>') || '|' || version::text || '|' || (${deleted})::text, E'\\n' ORDER BY id), '')) AS digest`;

/** This run's customers in customer_db (found by the run id in their email) and their ids. */
export async function sourceState(db: pg.Pool, runId: string): Promise<Summary & { ids: string[] }> {
  const result = await db.query<Summary & { ids: string[] | null }>(
    `SELECT ${DIGEST('deleted_at IS NOT NULL')}, array_agg(id::text ORDER BY id) AS ids FROM customers WHERE email LIKE $1`,
    [emailPattern(runId)],
  );
  const row = result.rows[0]!;
  return { count: row.count, versionSum: row.versionSum, digest: row.digest, ids: row.ids ?? [] };
}

export async function replicaProgress(db: pg.Pool, ids: readonly string[]): Promise<{ count: number; versionSum: number }> {
  const result = await db.query<{ count: number; versionSum: number }>(
    `SELECT count(*)::int AS count, coalesce(sum(version), 0)::bigint AS "versionSum" FROM customers WHERE id = ANY($1::uuid[])`,
    [ids],
  );
  return result.rows[0]!;
}

export async function replicaSummary(db: pg.Pool, ids: readonly string[]): Promise<Summary> {
  const result = await db.query<Summary>(`SELECT ${DIGEST('deleted')} FROM customers WHERE id = ANY($1::uuid[])`, [ids]);
  return result.rows[0]!;
}

/** customer_db's rows among `ids` (one id range of a run), ordered by id. */
export async function sourceRows(db: pg.Pool, ids: readonly string[]): Promise<CustomerRow[]> {
  const result = await db.query<CustomerRow>(
    `SELECT id::text, address, version, deleted_at IS NOT NULL AS deleted FROM customers WHERE id = ANY($1::uuid[]) ORDER BY id`,
    [ids],
  );
  return result.rows;
}

/** customer_db's digest over its rows among `ids` (the same text as replicaSummary's when they agree). */
export async function sourceSummary(db: pg.Pool, ids: readonly string[]): Promise<Summary> {
  const result = await db.query<Summary>(`SELECT ${DIGEST('deleted_at IS NOT NULL')} FROM customers WHERE id = ANY($1::uuid[])`, [ids]);
  return result.rows[0]!;
}

export async function replicaRows(db: pg.Pool, ids: readonly string[]): Promise<CustomerRow[]> {
  const result = await db.query<CustomerRow>(
    `SELECT id::text, address, version, deleted FROM customers WHERE id = ANY($1::uuid[]) ORDER BY id`,
    [ids],
  );
  return result.rows;
}
