import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outboxQueries } from '../../src/outbox/outbox-queries.js';
import { useMigratedDatabase } from '../support/resources.js';

// One relay step, outboxQueries.advance: in one commit, the confirmed batch is deleted and the next
// one picked and recorded with its publishing ids, so that a crash at any point resends the same ids.
const database = useMigratedDatabase();
let client: pg.PoolClient;

beforeAll(async () => {
  client = await database.pool.connect();
});
afterAll(() => client?.release());

async function insertRows(count: number): Promise<string[]> {
  const result = await database.pool.query<{ id: string }>(
    `INSERT INTO outbox (event_id, event_type, customer_id, version, body, correlation_id, schema_version)
     SELECT gen_random_uuid(), 'customer.created', gen_random_uuid(), 1, '{}', 'advance-test', 1
     FROM generate_series(1, $1::int) RETURNING id`,
    [count],
  );
  return result.rows.map((row) => row.id).sort((a, b) => Number(a) - Number(b));
}

async function outboxIds(): Promise<string[]> {
  return (await database.pool.query<{ id: string }>('SELECT id FROM outbox ORDER BY id')).rows.map((row) => row.id);
}

async function recorded(): Promise<{ ids: string[]; publishing_ids: string[] }> {
  return (await database.pool.query('SELECT ids, publishing_ids FROM outbox_in_flight')).rows[0];
}

describe('a relay step', () => {
  it('deletes the confirmed batch, and picks and records the next, with ids that keep the gaps of missing rows', async () => {
    const ids = await insertRows(6);
    await database.pool.query('DELETE FROM outbox WHERE id = $1', [ids[1]]); // a row id that never commits

    const first = await outboxQueries.advance(client, [], 100n, 3);
    expect(first.rows.map((row) => [row.id, row.publishing_id])).toEqual([
      [ids[0], '100'],
      [ids[2], '102'],
      [ids[3], '103'],
    ]);
    expect(first.next).toBe(104n);
    expect(await recorded()).toEqual({ ids: [ids[0], ids[2], ids[3]], publishing_ids: ['100', '102', '103'] });
    expect((await outboxQueries.inFlight(client)).map((row) => row.publishing_id)).toEqual(['100', '102', '103']);

    const second = await outboxQueries.advance(client, [ids[0]!, ids[2]!, ids[3]!], first.next, 3);
    expect(await outboxIds()).toEqual([ids[4], ids[5]]);
    expect(second.rows.map((row) => [row.id, row.publishing_id])).toEqual([
      [ids[4], '104'],
      [ids[5], '105'],
    ]);

    const third = await outboxQueries.advance(client, [ids[4]!, ids[5]!], second.next, 3);
    expect(third).toEqual({ rows: [], next: 106n });
    expect(await outboxIds()).toEqual([]);
    expect(await outboxQueries.inFlight(client)).toEqual([]); // nothing left to resend
    expect(await outboxQueries.lastRecorded(client)).toBe(105n); // a resume still starts above it
  });

  it('keeps the confirmed batch when recording the next one fails: nothing is deleted that was not replaced', async () => {
    const ids = await insertRows(4);
    const batch = await outboxQueries.advance(client, [], 200n, 2);
    expect(batch.rows.map((row) => row.id)).toEqual([ids[0], ids[1]]);

    await database.pool.query('ALTER TABLE outbox_in_flight ADD CONSTRAINT test_fails CHECK (cardinality(ids) < 2) NOT VALID');
    try {
      await expect(outboxQueries.advance(client, [ids[0]!, ids[1]!], batch.next, 2)).rejects.toThrow(/test_fails/);
    } finally {
      await database.pool.query('ALTER TABLE outbox_in_flight DROP CONSTRAINT test_fails');
    }
    expect(await outboxIds()).toEqual(ids);
    expect((await recorded()).ids).toEqual([ids[0], ids[1]]);
  });
});
