import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { cpuBudget, cpuSnapshot, type CpuBudget } from '../cpu.js';
import { walFigures, walSnapshot, type WalFigures } from '../wal.js';

export interface InsertBaseline {
  rows: number;
  concurrency: number;
  seconds: number;
  rowsPerS: number;
  /** CPU per row by process group (cpu.ts), measured while the baseline's sessions are still open. */
  cpu?: CpuBudget;
  /** The server's WAL flushes during the inserts (rows per flush). */
  wal?: WalFigures;
}

/** The raw insert measured before the load's phases and, when it was, again after them. */
export interface BracketedInsert {
  insert?: InsertBaseline;
  insertAfter?: InsertBaseline;
}

/**
 * The raw insert's rate that the run's ratios divide by: the mean of the measurements before and
 * after the phases (the phases lie between them), or the one there is. `drift`: after / before − 1,
 * how far this machine's own speed moved during the run (it moves by tens of percent within
 * minutes on a shared 2-core VM, more than a goal's margin). Pure.
 */
export function insertRateOf({ insert, insertAfter }: BracketedInsert): { rowsPerS: number; drift?: number } | undefined {
  if (!insert) return insertAfter && { rowsPerS: insertAfter.rowsPerS };
  if (!insertAfter) return { rowsPerS: insert.rowsPerS };
  return { rowsPerS: (insert.rowsPerS + insertAfter.rowsPerS) / 2, drift: insertAfter.rowsPerS / insert.rowsPerS - 1 };
}

/** Waits (at most 2 s) until no session of `database` is left. */
async function sessionsGone(admin: pg.Client, database: string): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const { rows } = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [database]);
    if (rows[0]?.n === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function adminUrl(url: string): string {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  return admin.toString();
}

/**
 * Single-row INSERTs in autocommit from `concurrency` pooled clients into a scratch table of a
 * scratch database (test_loadbase_<random>, dropped afterwards): what one PostgreSQL commit per
 * row costs on this machine. The pool is capped to leave room under max_connections.
 */
export async function measureInsertBaseline(databaseUrl: string, concurrency: number, rows: number): Promise<InsertBaseline> {
  const name = `test_loadbase_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl(databaseUrl), connectionTimeoutMillis: 5_000 });
  await admin.connect();
  try {
    const headroom = await admin.query<{ free: number }>(
      `SELECT current_setting('max_connections')::int - (SELECT count(*) FROM pg_stat_activity)::int AS free`,
    );
    const clients = Math.max(1, Math.min(concurrency, (headroom.rows[0]?.free ?? 20) - 15));
    await admin.query(`CREATE DATABASE ${name}`);
    const scratch = new URL(databaseUrl);
    scratch.pathname = `/${name}`;
    const pool = new pg.Pool({ connectionString: scratch.toString(), max: clients, application_name: 'load-test-baseline' });
    // pool.end() resolves before its connections are closed; DROP … WITH (FORCE) may then hit them.
    pool.on('error', () => undefined);
    let ended = false;
    try {
      await pool.query(
        `CREATE TABLE customers (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), name text NOT NULL, email text NOT NULL UNIQUE,
           address text NOT NULL, version int NOT NULL DEFAULT 1, created_at timestamptz NOT NULL DEFAULT now())`,
      );
      // Open every connection before the clock starts.
      await Promise.all(Array.from({ length: clients }, () => pool.query('SELECT 1')));
      let next = 0;
      const walBefore = await walSnapshot(admin);
      const cpuBefore = await cpuSnapshot([]);
      const started = performance.now();
      await Promise.all(
        Array.from({ length: clients }, async () => {
          while (next < rows) {
            const i = next++;
            await pool.query('INSERT INTO customers (name, email, address) VALUES ($1, $2, $3)', [
              `Baseline ${i}`,
              `baseline-${i}@example.com`,
              `${i} Baseline Street`,
            ]);
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      const cpuAfter = await cpuSnapshot([]);
      const cpu = cpuBefore && cpuAfter ? cpuBudget(cpuBefore, cpuAfter, rows) : undefined;
      // The sessions report their last WAL flushes as they exit: the count is then complete.
      await pool.end();
      ended = true;
      await sessionsGone(admin, name);
      const wal = walFigures(walBefore, await walSnapshot(admin), rows, true);
      return { rows, concurrency: clients, seconds, rowsPerS: rows / seconds, cpu, wal };
    } finally {
      if (!ended) await pool.end();
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
}
