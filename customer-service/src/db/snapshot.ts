import type pg from 'pg';

export interface SnapshotRow {
  customer_id: string;
  address: string;
  version: number;
  deleted: boolean;
  updated_at: string;
}

/**
 * Every customer (deleted ones too: the replica must know them as deleted) as one consistent view:
 * one REPEATABLE READ, READ ONLY transaction on a connection of its own, read through a cursor
 * `pageSize` rows at a time, so that a million customers never sit in memory. `onTotal` gets the
 * row count of that same view before the first page. The transaction may wait on a slow reader
 * between pages (up to 5 minutes, not the pool's usual minute).
 */
export async function* snapshotPages(pool: pg.Pool, pageSize: number, onTotal: (total: number) => void): AsyncGenerator<SnapshotRow[]> {
  const client = await pool.connect();
  let failed = false;
  let open = false;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    open = true;
    await client.query(`SET LOCAL idle_in_transaction_session_timeout = '5min'`);
    const { rows } = await client.query<{ total: number }>('SELECT count(*)::int AS total FROM customers');
    onTotal(rows[0]!.total);
    await client.query(`DECLARE snapshot NO SCROLL CURSOR FOR
      SELECT id::text AS customer_id, address, version, deleted_at IS NOT NULL AS deleted,
             to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at
      FROM customers`);
    for (;;) {
      const page = await client.query<SnapshotRow>(`FETCH ${Math.trunc(pageSize)} FROM snapshot`);
      if (page.rows.length === 0) break;
      yield page.rows;
    }
    await client.query('COMMIT');
    open = false;
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    // A failure ends the transaction with the client; a reader that stopped early leaves it open
    // (a ROLLBACK after the COMMIT would only earn a warning in PostgreSQL's log).
    if (failed) client.release(true);
    else {
      if (open) await client.query('ROLLBACK').catch(() => undefined);
      client.release();
    }
  }
}
