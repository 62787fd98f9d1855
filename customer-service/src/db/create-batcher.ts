import type pg from 'pg';
import type { Customer } from '../domain/customer.js';
import type { OutboxEntry } from '../outbox/encode.js';
import { createGroupCommit, type GroupCommitObserver } from '@demo/service-kit';
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
 * - Two requests with one key in concurrent statements (of two instances: one instance never has
 *   a key in two statements at once): the second statement's key insert waits for the first to
 *   commit and then fails with a unique violation, which rolls back all of it; the batcher runs
 *   that batch again, and the key is then found stored.
 * - A key is unique within its scope. An expired key still blocks here; the batcher then deletes it
 *   and queues the create again (rare, and the statement stays as cheap as before).
 * - The stored-key check is one index probe per row (a LATERAL lookup), whatever the statistics
 *   say: as `NOT EXISTS` under an `OR` the planner chose a hashed subplan that read the whole
 *   idempotency_keys table into a hash for every batch (O(keys) per statement, 8× slower creates
 *   at 40k customers until autovacuum analyzed the table; create-statement-plan.int.test.ts).
 * The batch travels as one JSON array (json_to_recordset): serialised natively, where eighteen
 * parallel arrays cost the driver an escape per element.
 */
export const CREATE_MANY = `
WITH input AS (
  SELECT * FROM json_to_recordset($1::json)
    AS t(id uuid, name text, email text, address text, version int, created_at timestamptz, updated_at timestamptz,
         event_id uuid, event_type text, event_customer_id uuid, event_version int, body text, correlation_id text, schema_version int,
         key text, request_hash text, response jsonb, scope text)
), c AS (
  INSERT INTO customers (id, name, email, address, version, created_at, updated_at)
  SELECT i.id, i.name, i.email, i.address, i.version, i.created_at, i.updated_at FROM input i
  LEFT JOIN LATERAL (SELECT true AS stored FROM idempotency_keys k WHERE k.scope = i.scope AND k.key = i.key LIMIT 1) s ON true
  WHERE s.stored IS NULL
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
SELECT coalesce(string_agg(id::text, ','), '') AS created FROM c`;

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
  /** Told of every statement (the group_commit_* histograms). */
  observe?: GroupCommitObserver;
}

/**
 * Group commit for creates (group-commit.ts): the creates that arrive while earlier statements
 * are in flight share the next statement. Each request still learns its own outcome; a failure of
 * the statement (e.g. the database is down) fails the requests it carried, and none was written.
 */
export function createCustomerBatcher(pool: pg.Pool, options: CreateBatcherOptions = {}) {
  const keyTtlHours = options.keyTtlHours ?? 24;
  const queue = createGroupCommit<Waiting>({
    maxBatch: options.maxBatch ?? 256,
    maxInFlight: options.maxInFlight ?? 2,
    keyOf: (waiting) => waiting.idempotency && scopedKeyId(waiting.idempotency),
    run,
    observe: options.observe,
  });

  async function run(batch: Waiting[], again: (items: Waiting[]) => void) {
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
    if (expired.length > 0) again(await withoutExpiredKeys(expired));
  }

  /** Their keys expired: deleted (unless stored again meanwhile); the creates to queue again. */
  async function withoutExpiredKeys(expired: Waiting[]): Promise<Waiting[]> {
    try {
      await deleteIfExpired(pool, expired.map((waiting) => waiting.idempotency!), keyTtlHours);
    } catch (error) {
      for (const waiting of expired) waiting.reject(error);
      return [];
    }
    return expired.filter((waiting) => {
      waiting.expiredKeys++;
      if (waiting.expiredKeys < EXPIRED_KEY_ATTEMPTS) return true;
      waiting.reject(new Error(`Idempotency-Key found expired ${waiting.expiredKeys} times in a row`));
      return false;
    });
  }

  /** The batch's statement; the ids of the customers it inserted. */
  async function insert(batch: Waiting[]): Promise<Set<string>> {
    const rows = JSON.stringify(batch.map(rowOf));
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await pool.query<{ created: string }>({ name: 'customer_create_many', text: CREATE_MANY, values: [rows] });
        const created = result.rows[0]?.created ?? '';
        return new Set(created === '' ? [] : created.split(','));
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
      });
    },
  };
}

export type CustomerCreateBatcher = ReturnType<typeof createCustomerBatcher>;

/** One create as a row of the statement's input (the names of json_to_recordset's columns). */
function rowOf({ customer, event, idempotency }: Waiting) {
  return {
    id: customer.id,
    name: customer.name,
    email: customer.email,
    address: customer.address,
    version: customer.version,
    created_at: customer.created_at.toISOString(),
    updated_at: customer.updated_at.toISOString(),
    event_id: event.event_id,
    event_type: event.event_type,
    event_customer_id: event.customer_id,
    event_version: event.version,
    body: event.body,
    correlation_id: event.correlation_id,
    schema_version: event.schema_version,
    key: idempotency?.key,
    request_hash: idempotency?.requestHash,
    response: idempotency?.response,
    scope: idempotency?.scope,
  };
}
