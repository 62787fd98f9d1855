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
