import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { Customer } from '../domain/customer.js';
import type { OutboxEntry } from '../outbox/encode.js';
import type { Database } from './schema.js';

const columns = ['id', 'name', 'email', 'address', 'version', 'created_at', 'updated_at', 'deleted_at'] as const;

/** Customers and the outbox rows of their changes (creates are written by create-batcher.ts). */
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
     * The live customers among `ids` (one statement for a batch of changes). Deleted ones are
     * left out here, not by `deleted_at IS NULL` in the statement: that clause is the predicate of
     * the partial index customers_email_live, and under statistics that say the table is (nearly)
     * empty, as on a fresh system until autovacuum's first visit, the planner read that whole
     * index for every batch (8 ms per batch at 100,000 customers, against 0.3 ms by primary key).
     */
    async findLive(ids: readonly string[]): Promise<Customer[]> {
      if (ids.length === 0) return [];
      return (await customersByIds(db, ids).execute()).filter((customer) => customer.deleted_at === null);
    },

    /**
     * Writes decided changes of customers, each `state` with its outbox row, where the customer is
     * still at its `expectedVersion`; returns the ids written (the others: another change came
     * first, nothing of theirs was written). ONE statement, its own transaction: every change and
     * its event commit together. Under READ COMMITTED the UPDATE waits for a concurrent change of a
     * row and then checks the version against the row that change committed; the row locks are
     * held until the statement commits, so a customer's outbox rows get their ids (the relay's
     * order) in version order. At most one change per customer (the caller's group commit sees to
     * it), taken in id order, the order in which every batch locks its rows.
     */
    async saveChanges(changes: readonly SavedChange[]): Promise<Set<string>> {
      if (changes.length === 0) return new Set();
      const rows = JSON.stringify([...changes].sort((a, b) => (a.state.id < b.state.id ? -1 : 1)).map(changeRow));
      for (let attempt = 1; ; attempt++) {
        try {
          const result = await pool.query<{ saved: string }>({ name: 'customer_save_many', text: SAVE_MANY, values: [rows] });
          const saved = result.rows[0]?.saved ?? '';
          return new Set(saved === '' ? [] : saved.split(','));
        } catch (error) {
          // Two batches (of two instances) that lock the same customers in another order: one is
          // rolled back whole, and runs again.
          if ((error as { code?: string }).code !== DEADLOCK || attempt >= DEADLOCK_ATTEMPTS) throw error;
        }
      }
    },
  };
}

/** The customers among `ids`, deleted ones too, by primary key (findLive; batch-read-plan.int.test.ts). */
export function customersByIds(db: Kysely<Database>, ids: readonly string[]) {
  return db.selectFrom('customers').select(columns).where('id', 'in', ids);
}

/** A decided change to write: the next state, the version it was decided on, and its event. */
export interface SavedChange {
  state: Customer;
  expectedVersion: number;
  entry: OutboxEntry;
}

const DEADLOCK = '40P01';
const DEADLOCK_ATTEMPTS = 3;

/** The changes as a JSON array (json_to_recordset), as create-batcher.ts sends creates. */
const SAVE_MANY = `
WITH input AS (
  SELECT * FROM json_to_recordset($1::json)
    AS t(id uuid, expected int, name text, email text, address text, version int, updated_at timestamptz, deleted_at timestamptz,
         event_id uuid, event_type text, event_customer_id uuid, event_version int, body text, correlation_id text, schema_version int)
), c AS (
  UPDATE customers SET name = i.name, email = i.email, address = i.address, version = i.version,
                       updated_at = i.updated_at, deleted_at = i.deleted_at
  FROM input i
  WHERE customers.id = i.id AND customers.version = i.expected
  RETURNING customers.id
), o AS (
  INSERT INTO outbox (event_id, event_type, customer_id, version, body, correlation_id, schema_version)
  SELECT i.event_id, i.event_type, i.event_customer_id, i.event_version, i.body, i.correlation_id, i.schema_version
  FROM input i JOIN c ON c.id = i.id
)
SELECT coalesce(string_agg(id::text, ','), '') AS saved FROM c`;

function changeRow({ state, expectedVersion, entry }: SavedChange) {
  return {
    id: state.id,
    expected: expectedVersion,
    name: state.name,
    email: state.email,
    address: state.address,
    version: state.version,
    updated_at: state.updated_at.toISOString(),
    deleted_at: state.deleted_at?.toISOString() ?? null,
    event_id: entry.event_id,
    event_type: entry.event_type,
    event_customer_id: entry.customer_id,
    event_version: entry.version,
    body: entry.body,
    correlation_id: entry.correlation_id,
    schema_version: entry.schema_version,
  };
}

export type CustomerRepository = ReturnType<typeof customerRepository>;
