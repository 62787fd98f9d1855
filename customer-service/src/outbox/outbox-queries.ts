import type pg from 'pg';

/** An outbox row as the relay reads it (bigints as strings, see service-kit's type parser). */
export interface OutboxRow {
  id: string;
  event_id: string;
  event_type: string;
  customer_id: string;
  version: number;
  body: string;
  correlation_id: string;
  schema_version: number;
  created_at: Date;
  publishing_id: string;
}

const ROW = 'id, event_id, event_type, customer_id, version, body, correlation_id, schema_version, created_at, publishing_id';

/**
 * The relay's statements. They run on the relay's own session, the one holding the advisory
 * lock: if that session dies, so does the lock, and these fail instead of racing a new relay.
 */
export const outboxQueries = {
  /** Rows that already hold a publishing id: sent before but not confirmed (crash, broker trouble). */
  async assigned(client: pg.ClientBase, limit: number): Promise<OutboxRow[]> {
    const result = await client.query<OutboxRow>(
      `SELECT ${ROW} FROM outbox WHERE publishing_id IS NOT NULL ORDER BY publishing_id LIMIT $1`,
      [limit],
    );
    return result.rows;
  },

  /**
   * Gives the next committed rows (in id order, which per customer is version order) the
   * publishing ids next, next+1, ... and commits that BEFORE anything is sent: a resend after a
   * crash then carries the same id and the broker drops it as a duplicate.
   */
  async assignNext(client: pg.ClientBase, next: bigint, limit: number): Promise<OutboxRow[]> {
    const result = await client.query<OutboxRow>({
      name: 'outbox_assign_next',
      text: `WITH picked AS (
         SELECT id, $1::bigint + row_number() OVER (ORDER BY id) - 1 AS publishing_id
         FROM (SELECT id FROM outbox WHERE publishing_id IS NULL ORDER BY id LIMIT $2) AS unassigned
       )
       UPDATE outbox SET publishing_id = picked.publishing_id FROM picked WHERE outbox.id = picked.id
       RETURNING ${ROW.split(', ').map((column) => `outbox.${column}`).join(', ')}`,
      values: [next.toString(), limit],
    });
    return result.rows.sort((a, b) => compareBigint(a.publishing_id, b.publishing_id));
  },

  async maxPublishingId(client: pg.ClientBase): Promise<bigint> {
    const result = await client.query<{ max: string | null }>('SELECT max(publishing_id) AS max FROM outbox');
    return BigInt(result.rows[0]?.max ?? 0);
  },

  /** Only after the broker confirmed them. */
  async remove(client: pg.ClientBase, ids: string[]): Promise<void> {
    await client.query({ name: 'outbox_remove', text: 'DELETE FROM outbox WHERE id = ANY($1::bigint[])', values: [ids] });
  },
};

function compareBigint(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
