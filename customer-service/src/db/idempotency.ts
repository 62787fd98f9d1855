import type pg from 'pg';

/** What the first request with an Idempotency-Key answered; a retry with the same body gets it again. */
export interface StoredResponse {
  requestHash: string;
  status: number;
  response: unknown;
}

/** The stored responses of these keys (keys are stored by the create statement: create-batcher.ts). */
export async function storedResponses(db: pg.Pool, keys: string[]): Promise<Map<string, StoredResponse>> {
  const out = new Map<string, StoredResponse>();
  if (keys.length === 0) return out;
  const result = await db.query<{ key: string; request_hash: string; status: number; response: unknown }>(
    'SELECT key, request_hash, status, response FROM idempotency_keys WHERE key = ANY($1::text[])',
    [keys],
  );
  for (const row of result.rows) {
    out.set(row.key, { requestHash: row.request_hash, status: row.status, response: row.response });
  }
  return out;
}
