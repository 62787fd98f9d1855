import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { CustomerRecord } from '../domain/customer.js';
import type { PendingEvent } from '../domain/events.js';
import { outboxInsertFrom } from './outbox-insert.js';
import { runPrepared } from './prepared.js';
import type { Database } from './schema.js';

/** A customer to create (see create-batcher.ts: creates are written in groups). */
export interface NewCustomer {
  id: string;
  name: string;
  email: string;
  address: string;
  timestamp: Date;
}

const columns = ['id', 'name', 'email', 'address', 'version', 'created_at', 'updated_at'] as const;

/**
 * Customers and their outbox rows (creates: create-batcher.ts). Every write is ONE statement (a data-modifying CTE: the change
 * RETURNING the row, feeding the outbox INSERT), hence one transaction and one round trip. The
 * row lock taken by UPDATE orders a customer's outbox rows by version.
 */
export function customerRepository(db: Kysely<Database>, pool: pg.Pool) {
  return {
    async find(id: string): Promise<CustomerRecord | undefined> {
      return db.selectFrom('customers').select(columns).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
    },

    /** Keyset pagination in id order: the page after `after`, one row more to know whether there is a next. */
    async list(after: string | undefined, limit: number): Promise<{ items: CustomerRecord[]; next: string | null }> {
      let query = db.selectFrom('customers').select(columns).where('deleted_at', 'is', null);
      if (after !== undefined) query = query.where('id', '>', after);
      const rows = await query.orderBy('id').limit(limit + 1).execute();
      const items = rows.slice(0, limit);
      return { items, next: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
    },

    async updateAddress(id: string, address: string, timestamp: Date, event: PendingEvent): Promise<CustomerRecord | undefined> {
      const query = db
        .with('c', (q) =>
          q
            .updateTable('customers')
            .set((eb) => ({ address, version: eb('version', '+', 1), updated_at: timestamp }))
            .where('id', '=', id)
            .where('deleted_at', 'is', null)
            .returning(columns),
        )
        .with('o', (q) => outboxInsertFrom(q, event))
        .selectFrom('c')
        .selectAll();
      return (await runPrepared(pool, 'customer_update_address', query.compile()))[0];
    },

    /** Soft delete: the row stays (with its last version), the email is freed, GET answers 404. */
    async softDelete(id: string, timestamp: Date, event: PendingEvent): Promise<CustomerRecord | undefined> {
      const query = db
        .with('c', (q) =>
          q
            .updateTable('customers')
            .set((eb) => ({ version: eb('version', '+', 1), updated_at: timestamp, deleted_at: timestamp }))
            .where('id', '=', id)
            .where('deleted_at', 'is', null)
            .returning(columns),
        )
        .with('o', (q) => outboxInsertFrom(q, event))
        .selectFrom('c')
        .selectAll();
      return (await runPrepared(pool, 'customer_delete', query.compile()))[0];
    },
  };
}

export type CustomerRepository = ReturnType<typeof customerRepository>;
