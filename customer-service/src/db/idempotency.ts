import type pg from 'pg';

/** An Idempotency-Key where it belongs: unique within its scope (the route and the client). */
export interface ScopedKey {
  scope: string;
  key: string;
}

/** What the first request with an Idempotency-Key answered; a retry with the same body gets it again. */
export interface StoredResponse {
  requestHash: string;
  status: number;
  response: unknown;
}

/** A stored key, and whether it is past its time to live (then it is as good as absent). */
export interface StoredKey {
  stored: StoredResponse;
  expired: boolean;
}

/** One string per scoped key, for maps and sets. */
export const scopedKeyId = ({ scope, key }: ScopedKey) => `${scope}\n${key}`;

/** The stored responses of these keys (keys are stored by the create statement: create-batcher.ts). */
export async function storedResponses(db: pg.Pool, keys: ScopedKey[], ttlHours: number): Promise<Map<string, StoredKey>> {
  const out = new Map<string, StoredKey>();
  if (keys.length === 0) return out;
  const result = await db.query<{ scope: string; key: string; request_hash: string; status: number; response: unknown; expired: boolean }>(
    `SELECT k.scope, k.key, k.request_hash, k.status, k.response, k.created_at < now() - make_interval(hours => $3) AS expired
     FROM idempotency_keys k JOIN unnest($1::text[], $2::text[]) AS wanted(scope, key) USING (scope, key)`,
    [keys.map((k) => k.scope), keys.map((k) => k.key), ttlHours],
  );
  for (const row of result.rows) {
    out.set(scopedKeyId(row), { stored: { requestHash: row.request_hash, status: row.status, response: row.response }, expired: row.expired });
  }
  return out;
}

/** Deletes these keys if they are still expired (a key stored again meanwhile is kept); how many were. */
export async function deleteIfExpired(db: pg.Pool, keys: ScopedKey[], ttlHours: number): Promise<number> {
  if (keys.length === 0) return 0;
  const result = await db.query(
    `DELETE FROM idempotency_keys k USING unnest($1::text[], $2::text[]) AS expired(scope, key)
     WHERE k.scope = expired.scope AND k.key = expired.key AND k.created_at < now() - make_interval(hours => $3)`,
    [keys.map((k) => k.scope), keys.map((k) => k.key), ttlHours],
  );
  return result.rowCount ?? 0;
}

/**
 * Deletes up to `limit` keys older than `ttlHours`, oldest first, skipping rows another instance
 * is deleting; how many it deleted. One bounded statement: call it again while it deletes `limit`.
 */
export async function deleteExpiredKeys(db: pg.Pool, ttlHours: number, limit: number): Promise<number> {
  const result = await db.query(
    `DELETE FROM idempotency_keys WHERE ctid = ANY(ARRAY(
       SELECT ctid FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)
       ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED))`,
    [ttlHours, limit],
  );
  return result.rowCount ?? 0;
}
