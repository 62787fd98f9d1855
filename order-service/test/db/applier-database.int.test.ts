import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '@demo/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApplierDatabase } from '../../src/db/applier-database.js';
import { kyselyFor } from '../support/replica.js';

let database: TestDatabase;

beforeAll(async () => {
  database = await createTestDatabase('order_applier_db');
});
afterAll(async () => {
  await database?.drop();
});

async function synchronousCommit(db: ReturnType<typeof kyselyFor>): Promise<string> {
  const result = await sql<{ synchronous_commit: string }>`SHOW synchronous_commit`.execute(db);
  return result.rows[0]!.synchronous_commit;
}

describe('the applier database', () => {
  it('commits asynchronously on every connection, while the service pool stays synchronous', async () => {
    const applier = createApplierDatabase({ url: database.url, applicationName: 'applier-db-test' });
    const service = kyselyFor(database.url);
    try {
      // Both connections of its pool, held at once.
      const settings = await applier.connection().execute(async (one) => [
        await synchronousCommit(one),
        await applier.connection().execute((two) => synchronousCommit(two)),
      ]);
      expect(settings).toEqual(['off', 'off']);
      expect(await synchronousCommit(service)).toBe('on');
    } finally {
      await applier.destroy();
      await service.destroy();
    }
  });
});
