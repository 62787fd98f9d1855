import type pg from 'pg';
import type { Customer } from '../domain/customer.js';
import type { OutboxEntry } from '../outbox/encode.js';
import { deleteIfExpired, scopedKeyId, storedResponses, type StoredResponse } from './idempotency.js';

/** What one create came to. `replay`: its Idempotency-Key was already used; here is what was stored. */
export type CreateOutcome =
  | { kind: 'created' }
  | { kind: 'email_taken' }
  | { kind: 'replay'; existing: StoredResponse };

export interface IdempotentRequest {
  /** Whose key it is (the route and the client): the same key in another scope is another key. */
  scope: string;
  key: string;
  requestHash: string;
  /** The 201 body this create answers with, stored with the key for retries. */
  response: unknown;
}

interface Waiting {
  customer: Customer;
  event: OutboxEntry;
  idempotency: IdempotentRequest | undefined;
  /** Times its key was found expired and deleted, and the create queued again. */
  expiredKeys: number;
  resolve(outcome: CreateOutcome): void;
  reject(error: unknown): void;
}

/**
 * Many creates in ONE statement, which is its own transaction (one round trip, one commit). It
 * stores each customer and its outbox row as given (the domain decided version and event type).
 * - A customer is inserted unless its key is already stored (a retry: it gets the stored answer)
 *   or its email is taken (ON CONFLICT DO NOTHING: by a live customer or an earlier row of the
 *   batch; a concurrent insert of the same email is waited for).
 * - Only an inserted customer stores its key and gets an outbox row, so a create that failed on
 *   a taken email leaves its key free, with nothing to release afterwards.
 * - Two requests with one key in concurrent statements: the second statement's key insert waits
 *   for the first to commit and then fails with a unique violation, which rolls back all of it;
 *   the batcher runs that batch again, and the key is then found stored.
 * - A key is unique within its scope. An expired key still blocks here; the batcher then deletes it
 *   and queues the create again (rare, and the statement stays as cheap as before).
 */
const CREATE_MANY = `
WITH input AS (
  SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::int[], $6::timestamptz[], $7::timestamptz[],
                       $8::uuid[], $9::text[], $10::uuid[], $11::int[], $12::text[], $13::text[], $14::int[],
                       $15::text[], $16::text[], $17::jsonb[], $18::text[])
    AS t(id, name, email, address, version, created_at, updated_at,
         event_id, event_type, event_customer_id, event_version, body, correlation_id, schema_version,
         key, request_hash, response, scope)
), c AS (
  INSERT INTO customers (id, name, email, address, version, created_at, updated_at)
  SELECT id, name, email, address, version, created_at, updated_at FROM input i
  WHERE i.key IS NULL OR NOT EXISTS (SELECT 1 FROM idempotency_keys k WHERE k.scope = i.scope AND k.key = i.key)
  ON CONFLICT DO NOTHING
  RETURNING id
), k AS (
  INSERT INTO idempotency_keys (scope, key, request_hash, status, response)
  SELECT i.scope, i.key, i.request_hash, 201, i.response FROM input i JOIN c ON c.id = i.id
  WHERE i.key IS NOT NULL
), o AS (
  INSERT INTO outbox (event_id, event_type, customer_id, version, body, correlation_id, schema_version)
  SELECT i.event_id, i.event_type, i.event_customer_id, i.event_version, i.body, i.correlation_id, i.schema_version
  FROM input i JOIN c ON c.id = i.id
)
SELECT coalesce(array_agg(id), '{}') AS created FROM c`;

/** How often a batch runs again after a concurrent statement stored one of its keys first. */
const KEY_RACE_ATTEMPTS = 3;
/** How often one create finds its key expired, deletes it and is queued again (twice would already be odd). */
const EXPIRED_KEY_ATTEMPTS = 3;

const isUniqueViolation = (error: unknown) => (error as { code?: string } | null)?.code === '23505';

export interface CreateBatcherOptions {
  /** Most creates one statement carries. */
  maxBatch?: number;
  /** Statements in flight at once; requests arriving meanwhile wait and share the next one. */
  maxInFlight?: number;
  /** A stored Idempotency-Key older than this is forgotten: its next use is a new create. */
  keyTtlHours?: number;
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
  const keyTtlHours = options.keyTtlHours ?? 24;
  let queue: Waiting[] = [];
  let inFlight = 0;

  /** The next batch: at most one request per Idempotency-Key (a second one waits for the next batch). */
  function takeBatch(): Waiting[] {
    const batch: Waiting[] = [];
    const rest: Waiting[] = [];
    const keys = new Set<string>();
    for (const waiting of queue) {
      const key = waiting.idempotency && scopedKeyId(waiting.idempotency);
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
    let created: Set<string>;
    try {
      created = await insert(batch);
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
      return;
    }
    // A keyed create that was not inserted is a retry when its key is stored, else its email was taken.
    const keys = batch.flatMap((waiting) => (waiting.idempotency && !created.has(waiting.customer.id) ? [waiting.idempotency] : []));
    const lookup = await storedResponses(pool, keys, keyTtlHours).then(
      (stored) => ({ stored }),
      (error: unknown) => ({ error }),
    );
    const expired: Waiting[] = [];
    for (const waiting of batch) {
      if (created.has(waiting.customer.id)) {
        waiting.resolve({ kind: 'created' });
      } else if (waiting.idempotency === undefined) {
        waiting.resolve({ kind: 'email_taken' });
      } else if ('error' in lookup) {
        waiting.reject(lookup.error);
      } else {
        const existing = lookup.stored.get(scopedKeyId(waiting.idempotency));
        if (existing?.expired) expired.push(waiting);
        else waiting.resolve(existing ? { kind: 'replay', existing: existing.stored } : { kind: 'email_taken' });
      }
    }
    if (expired.length > 0) await retryWithoutExpiredKeys(expired);
  }

  /** Their keys expired: deleted (unless stored again meanwhile), the creates go first in the queue. */
  async function retryWithoutExpiredKeys(expired: Waiting[]) {
    try {
      await deleteIfExpired(pool, expired.map((waiting) => waiting.idempotency!), keyTtlHours);
    } catch (error) {
      for (const waiting of expired) waiting.reject(error);
      return;
    }
    const again = expired.filter((waiting) => {
      waiting.expiredKeys++;
      if (waiting.expiredKeys < EXPIRED_KEY_ATTEMPTS) return true;
      waiting.reject(new Error(`Idempotency-Key found expired ${waiting.expiredKeys} times in a row`));
      return false;
    });
    queue = [...again, ...queue];
  }

  /** The batch's statement; the ids of the customers it inserted. */
  async function insert(batch: Waiting[]): Promise<Set<string>> {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await pool.query<{ created: string[] }>({ name: 'customer_create_many', text: CREATE_MANY, values: columnsOf(batch) });
        return new Set(result.rows[0]?.created ?? []);
      } catch (error) {
        // Emails and ids conflict into DO NOTHING: a unique violation is a key that a concurrent
        // statement stored first. None of this batch was written; the next attempt finds the key.
        if (!isUniqueViolation(error) || attempt >= KEY_RACE_ATTEMPTS) throw error;
      }
    }
  }

  return {
    /** `customer` is new (a create's decided state) and `event` its outbox row. */
    create(customer: Customer, event: OutboxEntry, idempotency?: IdempotentRequest): Promise<CreateOutcome> {
      return new Promise<CreateOutcome>((resolve, reject) => {
        queue.push({ customer, event, idempotency, expiredKeys: 0, resolve, reject });
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
    batch.map((w) => w.customer.version),
    batch.map((w) => w.customer.created_at.toISOString()),
    batch.map((w) => w.customer.updated_at.toISOString()),
    batch.map((w) => w.event.event_id),
    batch.map((w) => w.event.event_type),
    batch.map((w) => w.event.customer_id),
    batch.map((w) => w.event.version),
    batch.map((w) => w.event.body),
    batch.map((w) => w.event.correlation_id),
    batch.map((w) => w.event.schema_version),
    batch.map((w) => w.idempotency?.key ?? null),
    batch.map((w) => w.idempotency?.requestHash ?? null),
    batch.map((w) => (w.idempotency ? JSON.stringify(w.idempotency.response) : null)),
    batch.map((w) => w.idempotency?.scope ?? null),
  ];
}
