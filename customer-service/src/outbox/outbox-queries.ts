import type { Selectable } from 'kysely';
import type pg from 'pg';
import type { OutboxTable } from '../db/schema.js';

/** An outbox row as the relay reads it: one that holds its publishing id. */
export type OutboxRow = Omit<Selectable<OutboxTable>, 'publishing_id'> & { publishing_id: string };

/** Session advisory lock held by the one active relay among all customer-service instances (any fixed key). */
const RELAY_LOCK_KEY = 7_305_804_119_023_416n;

const ROW = 'id, event_id, event_type, customer_id, version, body, correlation_id, schema_version, created_at, publishing_id';

/**
 * Settings of the relay's session: no sequential scans. The outbox is a queue, so its statistics
 * mostly say "no rows" (autovacuum finds it drained) while a backlog may be waiting, and under
 * them the planner can choose plans that scan the whole backlog per row. Every relay statement
 * has an index that serves it (see the README's Outbox section and stale-statistics.int.test.ts).
 */
export const RELAY_SESSION = '-c enable_seqscan=off';

/** Oldest unassigned rows first (served by the partial index outbox_unassigned). */
export const PICK_SQL = 'SELECT id FROM outbox WHERE publishing_id IS NULL ORDER BY id LIMIT $1';

/** $1: next publishing id, $2: first picked id, $3: the picked ids. */
export const ASSIGN_SQL = `UPDATE outbox SET publishing_id = $1::bigint + (id - $2::bigint)
  WHERE id = ANY($3::bigint[]) AND publishing_id IS NULL RETURNING ${ROW}`;

export const ASSIGNED_SQL = `SELECT ${ROW} FROM outbox WHERE publishing_id IS NOT NULL ORDER BY publishing_id LIMIT $1`;

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

  /** Rows that already hold a publishing id: sent before but not confirmed (crash, broker trouble). */
  async assigned(client: pg.ClientBase, limit: number): Promise<OutboxRow[]> {
    const result = await client.query<OutboxRow>(ASSIGNED_SQL, [limit]);
    return result.rows;
  },

  /**
   * Gives the next committed rows (in id order, which per customer is version order) publishing
   * ids from `next` up and commits that BEFORE anything is sent: a resend after a crash then
   * carries the same id and the broker drops it as a duplicate. A row's id is `next + (id - first
   * picked id)`: increasing in id order, with gaps where ids are missing (the broker only needs
   * them to increase), and computed per row, so the UPDATE needs no join (see RELAY_SESSION).
   * Returns the rows sorted by publishing id and the next free publishing id.
   */
  async assignNext(client: pg.ClientBase, next: bigint, limit: number): Promise<{ rows: OutboxRow[]; next: bigint }> {
    const picked = await client.query<{ id: string }>({ name: 'outbox_pick', text: PICK_SQL, values: [limit] });
    const ids = picked.rows.map((row) => row.id);
    if (ids.length === 0) return { rows: [], next };
    const first = BigInt(ids[0]!);
    const result = await client.query<OutboxRow>({
      name: 'outbox_assign',
      text: ASSIGN_SQL,
      values: [next.toString(), first.toString(), ids],
    });
    const rows = result.rows.sort((a, b) => compareBigint(a.publishing_id, b.publishing_id));
    return { rows, next: next + (BigInt(ids.at(-1)!) - first) + 1n };
  },

  async maxPublishingId(client: pg.ClientBase): Promise<bigint> {
    const result = await client.query<{ max: string | null }>('SELECT max(publishing_id) AS max FROM outbox');
    return BigInt(result.rows[0]?.max ?? 0);
  },

  /** Only after the broker confirmed them. */
  async remove(client: pg.ClientBase, ids: string[]): Promise<void> {
    await client.query({ name: 'outbox_remove', text: REMOVE_SQL, values: [ids] });
  },
};

/**
 * The pending rows: those waiting for a publishing id, through outbox_unassigned, and those
 * holding one, through outbox_publishing_id; in one snapshot, so a row assigned meanwhile is
 * counted once.
 */
export const COUNT_PENDING_SQL = `SELECT (SELECT count(*) FROM outbox WHERE publishing_id IS NULL)
  + (SELECT count(*) FROM outbox WHERE publishing_id IS NOT NULL) AS count`;

export const COUNT_PENDING_SETTINGS = ['SET LOCAL enable_seqscan = off', 'SET LOCAL enable_bitmapscan = off'];

/**
 * Rows not yet confirmed by the broker (the outbox_pending gauge), on any session. Not a scan of
 * the table: between two visits of autovacuum it holds three dead versions of every row the relay
 * has published since (inserted, assigned, deleted), and during a 1M load run `count(*)` took
 * 100-400 ms, every second the gauge was read. An index scan reads the dead entries once, marks
 * them dead in the index, and skips them afterwards without visiting the table: with 300,000 rows
 * deleted and 50 live, 1-3 ms against 50 ms for the table scan. A bitmap scan marks nothing, so
 * both are turned off for this transaction.
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

function compareBigint(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
