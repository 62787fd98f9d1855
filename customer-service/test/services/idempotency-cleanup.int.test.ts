import { randomUUID } from 'node:crypto';
import { createLogger } from '@demo/service-kit';
import { until } from '@demo/test-support';
import type pg from 'pg';
import { beforeEach, describe, expect, it } from 'vitest';
import { createIdempotencyCleanup } from '../../src/services/idempotency-cleanup.js';
import { useMigratedDatabase } from '../support/resources.js';

const database = useMigratedDatabase();
const logger = createLogger({ service: 'customer-service', instance: 'test', level: 'silent' });

/** `count` keys stored `hoursAgo`. */
async function storeKeys(count: number, hoursAgo: number) {
  await database.pool.query(
    `INSERT INTO idempotency_keys (scope, key, request_hash, status, response, created_at)
     SELECT 'POST /customers anonymous', $1 || n, 'h', 201, '{}', now() - make_interval(hours => $2) FROM generate_series(1, $3) n`,
    [`k-${randomUUID()}-`, hoursAgo, count],
  );
}

async function keyAges(): Promise<{ expired: number; fresh: number }> {
  const result = await database.pool.query<{ expired: number; fresh: number }>(
    `SELECT count(*) FILTER (WHERE created_at < now() - interval '24 hours')::int AS expired,
            count(*) FILTER (WHERE created_at >= now() - interval '24 hours')::int AS fresh FROM idempotency_keys`,
  );
  return result.rows[0]!;
}

/** The database's pool, counting the statements run through it. */
function countingPool() {
  const counter = { deletes: 0 };
  const pool = {
    query: (text: string, values: unknown[]) => {
      if (text.trimStart().startsWith('DELETE')) counter.deletes++;
      return database.pool.query(text, values);
    },
  } as unknown as pg.Pool;
  return { pool, counter };
}

beforeEach(async () => {
  await database.pool.query('DELETE FROM idempotency_keys');
});

describe('cleanup of expired idempotency keys', () => {
  it('deletes the keys past their time to live, batchSize rows per statement, and keeps the others', async () => {
    // Given
    await storeKeys(25, 25);
    await storeKeys(5, 23);
    const { pool, counter } = countingPool();
    const cleanup = createIdempotencyCleanup({ pool, ttlHours: 24, intervalMs: 60_000, batchSize: 10, logger });
    // When
    const deleted = await cleanup.runOnce();
    // Then
    expect(deleted).toBe(25);
    expect(counter.deletes).toBe(3);
    expect(await keyAges()).toEqual({ expired: 0, fresh: 5 });
  });

  it('runs at most 100 statements at a time; the next run goes on', async () => {
    await storeKeys(150, 48);
    const cleanup = createIdempotencyCleanup({ pool: database.pool, ttlHours: 24, intervalMs: 60_000, batchSize: 1, logger });
    expect(await cleanup.runOnce()).toBe(100);
    expect(await cleanup.runOnce()).toBe(50);
    expect(await keyAges()).toEqual({ expired: 0, fresh: 0 });
  });

  it('runs periodically once started, and no more once stopped', async () => {
    // Given a running cleanup
    const cleanup = createIdempotencyCleanup({ pool: database.pool, ttlHours: 24, intervalMs: 50, batchSize: 1_000, logger });
    cleanup.start();
    try {
      // When keys expire while it runs
      await storeKeys(3, 30);
      // Then they are deleted by a later run
      await until(async () => (await keyAges()).expired === 0, 5_000, 'expired keys deleted');
    } finally {
      await cleanup.stop();
    }
    await storeKeys(2, 30);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await keyAges()).expired).toBe(2);
  });
});
