import type pg from 'pg';
import { bodyWithVersion, type PendingEvent } from '../domain/events.js';
import type { NewCustomer } from './customers.js';

export type CreateOutcome = 'created' | 'email_taken';

interface Waiting {
  customer: NewCustomer;
  event: PendingEvent;
  resolve(outcome: CreateOutcome): void;
  reject(error: unknown): void;
}

/**
 * Many customers and their outbox rows in ONE statement: ON CONFLICT DO NOTHING leaves out a
 * customer whose email is taken (by a live customer or by an earlier row of the same batch),
 * and only the customers actually inserted get an outbox row.
 */
const CREATE_MANY = `
WITH input AS (
  SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[],
                       $6::uuid[], $7::text[], $8::text[], $9::int[])
    AS t(id, name, email, address, ts, event_id, body, correlation_id, schema_version)
), c AS (
  INSERT INTO customers (id, name, email, address, version, created_at, updated_at)
  SELECT id, name, email, address, 1, ts, ts FROM input
  ON CONFLICT DO NOTHING
  RETURNING id
), o AS (
  INSERT INTO outbox (event_id, event_type, customer_id, version, body, correlation_id, schema_version)
  SELECT i.event_id, 'customer.created', i.id, 1, i.body, i.correlation_id, i.schema_version
  FROM input i JOIN c ON c.id = i.id
)
SELECT id FROM c`;

export interface CreateBatcherOptions {
  /** Most creates one statement carries. */
  maxBatch?: number;
  /** Statements in flight at once; requests arriving meanwhile wait and share the next one. */
  maxInFlight?: number;
}

/**
 * Group commit for creates. The create path is bounded by PostgreSQL commits, so requests that
 * arrive while earlier statements are in flight share the next statement: one transaction, one
 * commit, one round trip for the whole group. Each request still learns its own outcome; a
 * failure of the statement (e.g. the database is down) fails the requests it carried, and none
 * of them was written.
 */
export function createCustomerBatcher(pool: pg.Pool, options: CreateBatcherOptions = {}) {
  const maxBatch = options.maxBatch ?? 256;
  const maxInFlight = options.maxInFlight ?? 4;
  let queue: Waiting[] = [];
  let inFlight = 0;

  function pump() {
    while (inFlight < maxInFlight && queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      inFlight++;
      void run(batch).finally(() => {
        inFlight--;
        pump();
      });
    }
  }

  async function run(batch: Waiting[]) {
    try {
      const result = await pool.query<{ id: string }>({
        name: 'customer_create_many',
        text: CREATE_MANY,
        values: [
          batch.map((w) => w.customer.id),
          batch.map((w) => w.customer.name),
          batch.map((w) => w.customer.email),
          batch.map((w) => w.customer.address),
          batch.map((w) => w.customer.timestamp.toISOString()),
          batch.map((w) => w.event.eventId),
          batch.map((w) => bodyWithVersion(w.event, 1)),
          batch.map((w) => w.event.correlationId),
          batch.map((w) => w.event.schemaVersion),
        ],
      });
      const inserted = new Set(result.rows.map((row) => row.id));
      for (const waiting of batch) waiting.resolve(inserted.has(waiting.customer.id) ? 'created' : 'email_taken');
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
    }
  }

  return {
    create(customer: NewCustomer, event: PendingEvent): Promise<CreateOutcome> {
      return new Promise<CreateOutcome>((resolve, reject) => {
        queue.push({ customer, event, resolve, reject });
        pump();
      });
    },
  };
}

export type CustomerCreateBatcher = ReturnType<typeof createCustomerBatcher>;
