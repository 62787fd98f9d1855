import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface StoredResponse {
  requestHash: string;
  status: number;
  response: unknown;
}

/** Idempotency-Key records: the first request with a key stores its response with its change. */
export const idempotencyKeys = {
  /**
   * Claims the key inside the caller's transaction, storing the response the request will give.
   * When another request holds the key, waits for it to commit (ON CONFLICT) and returns what it
   * stored; if that one rolled back, this one claims the key.
   */
  async claim(
    trx: Kysely<Database>,
    key: string,
    entry: StoredResponse,
  ): Promise<{ claimed: true } | { claimed: false; existing: StoredResponse }> {
    const inserted = await trx
      .insertInto('idempotency_keys')
      .values({ key, request_hash: entry.requestHash, status: entry.status, response: JSON.stringify(entry.response) })
      .onConflict((conflict) => conflict.column('key').doNothing())
      .returning('key')
      .executeTakeFirst();
    if (inserted) return { claimed: true };
    const existing = await trx
      .selectFrom('idempotency_keys')
      .select(['request_hash', 'status', 'response'])
      .where('key', '=', key)
      .executeTakeFirstOrThrow();
    return {
      claimed: false,
      existing: { requestHash: existing.request_hash, status: existing.status, response: existing.response },
    };
  },
};
