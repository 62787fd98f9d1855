import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { Customer } from '../domain/customer.js';
import type { OutboxEntry } from '../outbox/encode.js';
import { outboxInsertFor } from './outbox-insert.js';
import { runPrepared } from './prepared.js';
import type { Database } from './schema.js';

const columns = ['id', 'name', 'email', 'address', 'version', 'created_at', 'updated_at', 'deleted_at'] as const;

/** Customers and the outbox rows of their changes (creates are written in groups: create-batcher.ts). */
export function customerRepository(db: Kysely<Database>, pool: pg.Pool) {
  return {
    /** A live customer (a deleted one is not found). */
    async find(id: string): Promise<Customer | undefined> {
      return db.selectFrom('customers').select(columns).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
    },

    /** Keyset pagination in id order: the page after `after`, one row more to know whether there is a next. */
    async list(after: string | undefined, limit: number): Promise<{ items: Customer[]; next: string | null }> {
      let query = db.selectFrom('customers').select(columns).where('deleted_at', 'is', null);
      if (after !== undefined) query = query.where('id', '>', after);
      const rows = await query.orderBy('id').limit(limit + 1).execute();
      const items = rows.slice(0, limit);
      return { items, next: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
    },

    /**
     * Writes a decided change of a customer, `state` and its outbox row, if the customer is still
     * at `expectedVersion`; false (nothing written) when another change came first. ONE statement
     * (a data-modifying CTE feeding the outbox INSERT), so the change and its event commit together.
     * Under READ COMMITTED the UPDATE waits for a concurrent change of the row and then checks the
     * version against the row that change committed; the row lock is held until this statement
     * commits, so a customer's outbox rows get their ids (the relay's order) in version order.
     */
    async save(state: Customer, expectedVersion: number, entry: OutboxEntry): Promise<boolean> {
      const query = db
        .with('c', (q) =>
          q
            .updateTable('customers')
            .set({
              name: state.name,
              email: state.email,
              address: state.address,
              version: state.version,
              updated_at: state.updated_at,
              deleted_at: state.deleted_at,
            })
            .where('id', '=', state.id)
            .where('version', '=', expectedVersion)
            .returning('id'),
        )
        .with('o', (q) => outboxInsertFor(q, entry))
        .selectFrom('c')
        .select('id');
      return (await runPrepared(pool, 'customer_save', query.compile())).length > 0;
    },
  };
}

export type CustomerRepository = ReturnType<typeof customerRepository>;
