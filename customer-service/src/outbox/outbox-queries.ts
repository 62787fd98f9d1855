import type { Selectable } from 'kysely';
import type pg from 'pg';
import type { OutboxTable } from '../db/schema.js';

/** An outbox row as the relay sends it: with the publishing id recorded for it. */
export type OutboxRow = Selectable<OutboxTable> & { publishing_id: string };

/** Session advisory lock held by the one active relay among all customer-service instances (any fixed key). */
const RELAY_LOCK_KEY = 7_305_804_119_023_416n;

const COLUMNS = ['id', 'event_id', 'event_type', 'customer_id', 'version', 'body', 'correlation_id', 'schema_version', 'created_at'];
const ROW = COLUMNS.join(', ');

/**
 * Settings of the relay's session: no sequential scans. The outbox is a queue, so its statistics
 * mostly say "no rows" (autovacuum finds it drained) while a backlog may be waiting, and under
 * them the planner can choose plans that scan the whole backlog per row. Every relay statement
 * has an index that serves it (see the README's Outbox section and stale-statistics.int.test.ts).
 */
export const RELAY_SESSION = '-c enable_seqscan=off';

/** Oldest committed rows first, through the primary key (the confirmed batch is deleted just before). */
export const PICK_SQL = `SELECT ${ROW} FROM outbox ORDER BY id LIMIT $1`;

/** $1: the picked ids, $2: their publishing ids. One row, so one small write per batch. */
export const RECORD_SQL = 'UPDATE outbox_in_flight SET ids = $1::bigint[], publishing_ids = $2::bigint[] WHERE singleton';

/** The recorded batch's rows still in the outbox (all of them, or none: they are deleted together). */
export const IN_FLIGHT_SQL = `SELECT ${COLUMNS.map((column) => `o.${column}`).join(', ')}, sent.publishing_id::text AS publishing_id
  FROM outbox_in_flight f CROSS JOIN LATERAL unnest(f.ids, f.publishing_ids) AS sent(id, publishing_id)
  JOIN outbox o ON o.id = sent.id
  WHERE f.singleton ORDER BY sent.publishing_id`;

/** The highest publishing id recorded (0 before the first batch). */
export const LAST_RECORDED_SQL = `SELECT coalesce((SELECT max(p) FROM unnest(publishing_ids) AS p), 0)::text AS last
  FROM outbox_in_flight WHERE singleton`;

export const REMOVE_SQL = 'DELETE FROM outbox WHERE id = ANY($1::bigint[])';

/**
 * The relay's statements. They run on the relay's own session, the one holding the advisory
 * lock: if that session dies, so does the lock, and these fail instead of racing a new relay.
 */
export const outboxQueries = {
  /** Takes the relay's lock for this session if no other session holds it; whether it did. */
  async tryLock(client: pg.ClientBase): Promise<boolean> {
    const result = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS locked', [
      RELAY_LOCK_KEY.toString(),
    ]);
    return result.rows[0]?.locked === true;
  },

  /** The recorded batch's rows, by publishing id: sent before but maybe not confirmed (crash, broker trouble). */
  async inFlight(client: pg.ClientBase): Promise<OutboxRow[]> {
    const result = await client.query<OutboxRow>({ name: 'outbox_in_flight', text: IN_FLIGHT_SQL });
    return result.rows;
  },

  async lastRecorded(client: pg.ClientBase): Promise<bigint> {
    const result = await client.query<{ last: string }>(LAST_RECORDED_SQL);
    return BigInt(result.rows[0]?.last ?? 0);
  },

  /**
   * One transaction, one commit: deletes the batch the broker just confirmed, picks the next
   * committed rows (in id order, which per customer is version order) and records their publishing
   * ids from `next` up, BEFORE anything is sent: a resend after a crash then carries the same ids
   * and the broker drops it as a duplicate. A row's id is `next + (id - first picked id)`:
   * increasing in id order, with gaps where ids are missing (the broker only needs them to
   * increase). Returns the rows in publishing order and the next free publishing id.
   */
  async advance(
    client: pg.ClientBase,
    confirmed: readonly string[],
    next: bigint,
    limit: number,
  ): Promise<{ rows: OutboxRow[]; next: bigint }> {
    await client.query('BEGIN');
    try {
      if (confirmed.length > 0) await client.query({ name: 'outbox_remove', text: REMOVE_SQL, values: [confirmed] });
      const picked = await client.query<Selectable<OutboxTable>>({ name: 'outbox_pick', text: PICK_SQL, values: [limit] });
      let rows: OutboxRow[] = [];
      if (picked.rows.length > 0) {
        const first = BigInt(picked.rows[0]!.id);
        rows = picked.rows.map((row) => ({ ...row, publishing_id: (next + (BigInt(row.id) - first)).toString() }));
        await client.query({
          name: 'outbox_record',
          text: RECORD_SQL,
          values: [rows.map((row) => row.id), rows.map((row) => row.publishing_id)],
        });
        next = BigInt(rows.at(-1)!.publishing_id) + 1n;
      }
      await client.query('COMMIT');
      return { rows, next };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  },

  /** Only after the broker confirmed them. */
  async remove(client: pg.ClientBase, ids: readonly string[]): Promise<void> {
    await client.query({ name: 'outbox_remove', text: REMOVE_SQL, values: [ids] });
  },
};

/** The pending rows, through the primary key. */
export const COUNT_PENDING_SQL = 'SELECT count(*) AS count FROM outbox';

export const COUNT_PENDING_SETTINGS = ['SET LOCAL enable_seqscan = off', 'SET LOCAL enable_bitmapscan = off'];

/**
 * Rows not yet deleted after the broker's confirmation (the outbox_pending gauge), on any session.
 * Not a scan of the table: between two visits of autovacuum it holds a dead version of every row
 * the relay has published since, and during a 1M load run (when each row was also rewritten to
 * hold its publishing id) `count(*)` took 100-400 ms, every second the gauge was read. An index
 * scan reads the dead entries once, marks them dead in the index, and skips them afterwards
 * without visiting the table: with 300,000 rows deleted and 50 live, 1-3 ms against 50 ms for the
 * table scan. A bitmap scan marks nothing, so both are turned off for this transaction.
 */
export async function countPending(pool: pg.Pool): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN READ ONLY');
    for (const setting of COUNT_PENDING_SETTINGS) await client.query(setting);
    const result = await client.query<{ count: string }>(COUNT_PENDING_SQL);
    await client.query('COMMIT');
    return Number(result.rows[0]?.count ?? 0);
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
