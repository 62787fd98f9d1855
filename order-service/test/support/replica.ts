import { Kysely, PostgresDialect } from 'kysely';
import { testPool } from '@demo/test-support';
import type { Database } from '../../src/db/schema.js';
import type { ReplicaRow } from '../../src/domain/replica-fold.js';

/** The test's own connection to an order-service database. */
export function kyselyFor(url: string): Kysely<Database> {
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool: testPool(url, 3) }) });
}

type Comparable = { address: string | null; version: number; deleted: boolean };

/** The replica as {id → address, version, deleted}, for comparison with the expected fold. */
export async function readReplica(db: Kysely<Database>): Promise<Map<string, Comparable>> {
  const rows = await db.selectFrom('customers').select(['id', 'address', 'version', 'deleted']).execute();
  return new Map(rows.map((row) => [row.id, { address: row.address, version: row.version, deleted: row.deleted }]));
}

export function comparable(expected: Map<string, ReplicaRow>): Map<string, Comparable> {
  return new Map([...expected].map(([id, row]) => [id, { address: row.address, version: row.version, deleted: row.deleted }]));
}

export async function storedOffset(db: Kysely<Database>, stream: string): Promise<bigint | null> {
  const row = await db.selectFrom('consumer_offsets').select('last_offset').where('stream', '=', stream).executeTakeFirst();
  return row?.last_offset === null || row?.last_offset === undefined ? null : BigInt(row.last_offset);
}
