import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { snapshotPages, type SnapshotRow } from '../../src/db/snapshot.js';
import { useMigratedDatabase } from '../support/resources.js';

const database = useMigratedDatabase();

/** A pool whose sessions record what PostgreSQL tells them besides results (warnings, notices). */
function recordingPool(): { pool: pg.Pool; notices: string[] } {
  const notices: string[] = [];
  const pool = new pg.Pool({ connectionString: database.resources.database.url, max: 1 });
  pool.on('connect', (client) => client.on('notice', (notice) => notices.push(`${notice.severity}: ${notice.message}`)));
  return { pool, notices };
}

async function seed(count: number) {
  await database.pool.query(
    `INSERT INTO customers (id, name, email, address, version, created_at, updated_at)
     SELECT gen_random_uuid(), 'Snap ' || n, 'snap-' || n || '-' || gen_random_uuid() || '@example.com', 'Street ' || n, 1, now(), now()
     FROM generate_series(1, $1::int) AS n`,
    [count],
  );
}

describe('snapshot pages', () => {
  it('reads every customer page by page and ends its transaction once, without a warning', async () => {
    await seed(25);
    const { pool, notices } = recordingPool();
    try {
      let total = -1;
      const rows: SnapshotRow[] = [];
      for await (const page of snapshotPages(pool, 10, (count) => (total = count))) rows.push(...page);
      expect(rows.length).toBe(total);
      expect(total).toBeGreaterThanOrEqual(25);
      // (a ROLLBACK after the COMMIT answered "there is no transaction in progress")
      expect(notices).toEqual([]);
    } finally {
      await pool.end();
    }
  });

  it('ends the transaction of a reader that stops early, and the session is usable again', async () => {
    await seed(25);
    const { pool, notices } = recordingPool();
    try {
      for await (const page of snapshotPages(pool, 10, () => undefined)) {
        expect(page.length).toBe(10);
        break;
      }
      const status = await pool.query<{ open: boolean }>("SELECT now() <> statement_timestamp() AS open");
      expect(status.rows[0]!.open).toBe(false); // not inside the snapshot's old transaction
      expect(notices).toEqual([]);
    } finally {
      await pool.end();
    }
  });
});
