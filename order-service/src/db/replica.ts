import { createGroupCommit } from '@demo/service-kit';
import { sql, type Kysely } from 'kysely';
import { ORDER_PATH_IN_FLIGHT } from './orders.js';
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
  // One SQL text whatever the number of ids (an IN list would be a new statement for each count).
  return db.selectFrom('customers').selectAll().where(sql<boolean>`id = ANY(${[...ids]}::uuid[])`).execute();
}

/** The two reads of the replica that read-your-writes needs (services/customer-lookup.ts). */
export interface ReplicaCustomerQueries {
  one(id: string): Promise<ReplicaCustomerRow | undefined>;
  many(ids: readonly string[]): Promise<ReplicaCustomerRow[]>;
}

interface PendingRead {
  id: string;
  resolve(row: ReplicaCustomerRow | undefined): void;
  reject(error: unknown): void;
}

/**
 * `one` is grouped: the reads asked for while earlier ones are in flight share the next query
 * (one round trip and one statement for up to `maxBatch` orders, as their inserts share one).
 */
export function replicaCustomerQueries(db: Kysely<Database>, options: { maxBatch?: number; maxInFlight?: number } = {}): ReplicaCustomerQueries {
  const reads = createGroupCommit<PendingRead>({
    maxBatch: options.maxBatch ?? 256,
    maxInFlight: options.maxInFlight ?? ORDER_PATH_IN_FLIGHT,
    keyOf: () => undefined,
    async run(batch) {
      try {
        const rows = await findReplicaCustomers(db, [...new Set(batch.map((read) => read.id.toLowerCase()))]);
        const byId = new Map(rows.map((row) => [row.id, row]));
        for (const read of batch) read.resolve(byId.get(read.id.toLowerCase()));
      } catch (error) {
        for (const read of batch) read.reject(error);
      }
    },
  });
  return {
    one: (id) => new Promise<ReplicaCustomerRow | undefined>((resolve, reject) => reads.push({ id, resolve, reject })),
    many: (ids) => findReplicaCustomers(db, ids),
  };
}
