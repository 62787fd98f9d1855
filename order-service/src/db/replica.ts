import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface ReplicaCustomerRow {
  id: string;
  address: string | null;
  version: number;
  deleted: boolean;
  updated_at: Date;
  last_event_offset: string;
}

export async function findReplicaCustomer(db: Kysely<Database>, id: string): Promise<ReplicaCustomerRow | undefined> {
  return db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findReplicaCustomers(db: Kysely<Database>, ids: readonly string[]): Promise<ReplicaCustomerRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('customers').selectAll().where('id', 'in', ids).execute();
}

/** The two reads of the replica that read-your-writes needs (services/customer-lookup.ts). */
export interface ReplicaCustomerQueries {
  one(id: string): Promise<ReplicaCustomerRow | undefined>;
  many(ids: readonly string[]): Promise<ReplicaCustomerRow[]>;
}

export function replicaCustomerQueries(db: Kysely<Database>): ReplicaCustomerQueries {
  return { one: (id) => findReplicaCustomer(db, id), many: (ids) => findReplicaCustomers(db, ids) };
}
