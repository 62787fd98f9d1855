import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { CustomerRecord } from '../domain/customer.js';
import type { PendingEvent } from '../domain/events.js';
import { outboxInsertFrom } from './outbox-insert.js';
import { runPrepared } from './prepared.js';
import type { Database } from './schema.js';

export class EmailTakenError extends Error {}

export interface NewCustomer {
  id: string;
  name: string;
  email: string;
  address: string;
  timestamp: Date;
}

const columns = ['id', 'name', 'email', 'address', 'version', 'created_at', 'updated_at'] as const;

/**
 * Customers and their outbox rows. Every write is ONE statement (a data-modifying CTE: the change
 * RETURNING the row, feeding the outbox INSERT), hence one transaction and one round trip. The
 * row lock taken by UPDATE orders a customer's outbox rows by version.
 */
export function customerRepository(db: Kysely<Database>, pool: pg.Pool) {
  return {
    /** Inside `trx` when given (idempotent creates), else as a prepared statement of its own. */
    async create(customer: NewCustomer, event: PendingEvent, trx?: Kysely<Database>): Promise<CustomerRecord> {
      try {
        const query = (trx ?? db)
          .with('c', (q) =>
            q
              .insertInto('customers')
              .values({
                id: customer.id,
                name: customer.name,
                email: customer.email,
                address: customer.address,
                version: 1,
                created_at: customer.timestamp,
                updated_at: customer.timestamp,
              })
              .returning(columns),
          )
          .with('o', (q) => outboxInsertFrom(q, event))
          .selectFrom('c')
          .selectAll();
        const [row] = trx ? await query.execute() : await runPrepared(pool, 'customer_create', query.compile());
        if (!row) throw new Error('insert returned no row');
        return row;
      } catch (error) {
        if (isUniqueViolation(error, 'customers_email_live')) throw new EmailTakenError(customer.email);
        throw error;
      }
    },

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

function isUniqueViolation(error: unknown, constraint: string): boolean {
  const err = error as { code?: string; constraint?: string };
  return err?.code === '23505' && err.constraint === constraint;
}

