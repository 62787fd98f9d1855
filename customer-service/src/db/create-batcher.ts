import type pg from 'pg';
import { bodyWithVersion, type PendingEvent } from '../domain/events.js';
import type { NewCustomer } from './customers.js';
import { storedResponses, type StoredResponse } from './idempotency.js';

/** What one create came to. `replay`: its Idempotency-Key was already used; here is what was stored. */
export type CreateOutcome =
  | { kind: 'created' }
  | { kind: 'email_taken' }
  | { kind: 'replay'; existing: StoredResponse };

export interface IdempotentRequest {
  key: string;
  requestHash: string;
  /** The 201 body this create answers with, stored with the key for retries. */
  response: unknown;
}

interface Waiting {
  customer: NewCustomer;
  event: PendingEvent;
  idempotency: IdempotentRequest | undefined;
  resolve(outcome: CreateOutcome): void;
  reject(error: unknown): void;
}

/**
 * Many creates in ONE statement. The keys are claimed first (ON CONFLICT DO NOTHING waits for a
 * concurrent holder of the same key to commit); a customer is inserted only when it has no key or
 * its key was claimed; ON CONFLICT DO NOTHING leaves out a customer whose email is taken (by a
 * live customer or an earlier row of the batch); only inserted customers get an outbox row.
 */
const CREATE_MANY = `
WITH input AS (
  SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[],
                       $6::uuid[], $7::text[], $8::text[], $9::int[], $10::text[], $11::text[], $12::jsonb[])
    AS t(id, name, email, address, ts, event_id, body, correlation_id, schema_version, key, request_hash, response)
), k AS (
  INSERT INTO idempotency_keys (key, request_hash, status, response)
  SELECT key, request_hash, 201, response FROM input WHERE key IS NOT NULL
  ON CONFLICT (key) DO NOTHING
  RETURNING key
), c AS (
  INSERT INTO customers (id, name, email, address, version, created_at, updated_at)
  SELECT id, name, email, address, 1, ts, ts FROM input
  WHERE key IS NULL OR key IN (SELECT key FROM k)
  ON CONFLICT DO NOTHING
  RETURNING id
), o AS (
  INSERT INTO outbox (event_id, event_type, customer_id, version, body, correlation_id, schema_version)
  SELECT i.event_id, 'customer.created', i.id, 1, i.body, i.correlation_id, i.schema_version
  FROM input i JOIN c ON c.id = i.id
)
SELECT coalesce((SELECT array_agg(id) FROM c), '{}') AS created,
       coalesce((SELECT array_agg(key) FROM k), '{}') AS claimed`;

export interface CreateBatcherOptions {
  /** Most creates one statement carries. */
  maxBatch?: number;
  /** Statements in flight at once; requests arriving meanwhile wait and share the next one. */
  maxInFlight?: number;
}

/**
 * Group commit for creates. The create path is bounded by PostgreSQL commits, so requests that
 * arrive while earlier statements are in flight share the next statement: one transaction and
 * one commit for the whole group. Each request still learns its own outcome; a failure of the
 * statement (e.g. the database is down) fails the requests it carried, and none was written.
 */
export function createCustomerBatcher(pool: pg.Pool, options: CreateBatcherOptions = {}) {
  const maxBatch = options.maxBatch ?? 256;
  const maxInFlight = options.maxInFlight ?? 4;
  let queue: Waiting[] = [];
  let inFlight = 0;

  /** The next batch: at most one request per Idempotency-Key (a second one waits for the next batch). */
  function takeBatch(): Waiting[] {
    const batch: Waiting[] = [];
    const rest: Waiting[] = [];
    const keys = new Set<string>();
    for (const waiting of queue) {
      const key = waiting.idempotency?.key;
      if (batch.length >= maxBatch || (key !== undefined && keys.has(key))) {
        rest.push(waiting);
        continue;
      }
      if (key !== undefined) keys.add(key);
      batch.push(waiting);
    }
    queue = rest;
    return batch;
  }

  function pump() {
    while (inFlight < maxInFlight && queue.length > 0) {
      const batch = takeBatch();
      inFlight++;
      void run(batch).finally(() => {
        inFlight--;
        pump();
      });
    }
  }

  async function run(batch: Waiting[]) {
    const keyed = batch.some((waiting) => waiting.idempotency !== undefined);
    const client = await pool.connect().catch((error: unknown) => {
      for (const waiting of batch) waiting.reject(error);
      return undefined;
    });
    if (!client) return;
    let broken = false;
    try {
      // With keys, a claimed key whose customer was not inserted (email taken) is released in the
      // same transaction; without keys the statement is a transaction of its own.
      if (keyed) await client.query('BEGIN');
      const result = await client.query<{ created: string[]; claimed: string[] }>({
        name: 'customer_create_many',
        text: CREATE_MANY,
        values: columnsOf(batch),
      });
      const created = new Set(result.rows[0]?.created ?? []);
      const claimed = new Set(result.rows[0]?.claimed ?? []);
      const unclaimed: string[] = [];
      const released: string[] = [];
      for (const waiting of batch) {
        const key = waiting.idempotency?.key;
        if (key === undefined) continue;
        if (!claimed.has(key)) unclaimed.push(key);
        else if (!created.has(waiting.customer.id)) released.push(key);
      }
      if (released.length > 0) await client.query('DELETE FROM idempotency_keys WHERE key = ANY($1::text[])', [released]);
      if (keyed) await client.query('COMMIT');
      const stored = await storedResponses(client, unclaimed);
      for (const waiting of batch) {
        const key = waiting.idempotency?.key;
        if (key !== undefined && !claimed.has(key)) {
          const existing = stored.get(key);
          // The earlier holder of the key rolled back (its email was taken): so is this one's.
          waiting.resolve(existing ? { kind: 'replay', existing } : { kind: 'email_taken' });
        } else {
          waiting.resolve(created.has(waiting.customer.id) ? { kind: 'created' } : { kind: 'email_taken' });
        }
      }
    } catch (error) {
      broken = true;
      if (keyed) await client.query('ROLLBACK').catch(() => undefined);
      for (const waiting of batch) waiting.reject(error);
    } finally {
      client.release(broken);
    }
  }

  return {
    create(customer: NewCustomer, event: PendingEvent, idempotency?: IdempotentRequest): Promise<CreateOutcome> {
      return new Promise<CreateOutcome>((resolve, reject) => {
        queue.push({ customer, event, idempotency, resolve, reject });
        pump();
      });
    },
  };
}

export type CustomerCreateBatcher = ReturnType<typeof createCustomerBatcher>;

function columnsOf(batch: Waiting[]): unknown[] {
  return [
    batch.map((w) => w.customer.id),
    batch.map((w) => w.customer.name),
    batch.map((w) => w.customer.email),
    batch.map((w) => w.customer.address),
    batch.map((w) => w.customer.timestamp.toISOString()),
    batch.map((w) => w.event.eventId),
    batch.map((w) => bodyWithVersion(w.event, 1)),
    batch.map((w) => w.event.correlationId),
    batch.map((w) => w.event.schemaVersion),
    batch.map((w) => w.idempotency?.key ?? null),
    batch.map((w) => w.idempotency?.requestHash ?? null),
    batch.map((w) => (w.idempotency ? JSON.stringify(w.idempotency.response) : null)),
  ];
}
