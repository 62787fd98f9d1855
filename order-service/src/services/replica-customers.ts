import { notFound } from '@demo/service-kit';
import type { Kysely } from 'kysely';
import { findReplicaCustomer } from '../db/replica.js';
import type { Database } from '../db/schema.js';
import type { ReplicaCustomer } from '../schemas/replica.js';

/** The replica's rows, as they are now (no waiting for the stream). */
export function createReplicaCustomerService(db: Kysely<Database>) {
  return {
    /** Deleted customers included (deleted: true); 404 when the replica has no row. */
    async get(id: string): Promise<ReplicaCustomer> {
      const row = await findReplicaCustomer(db, id);
      if (!row) throw notFound(`customer ${id} is not in the replica`);
      return {
        id: row.id,
        address: row.address,
        version: row.version,
        deleted: row.deleted,
        updated_at: row.updated_at.toISOString(),
        last_event_offset: row.last_event_offset,
      };
    },
  };
}

export type ReplicaCustomerService = ReturnType<typeof createReplicaCustomerService>;
