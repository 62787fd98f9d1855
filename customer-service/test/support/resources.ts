import { createKysely, createLogger, openDatabase } from '@demo/service-kit';
import { createTestDatabase, deleteStream, suffix, type TestDatabase, testPool } from '@demo/test-support';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { migrations } from '../../src/db/migrations/index.js';
import type { Database } from '../../src/db/schema.js';

/** A database `test_customer_<random>` and a stream `test-customer-<random>` of one test file's own. */
export interface TestResources {
  database: TestDatabase;
  stream: string;
  /** Drops the database (whatever still holds connections to it) and deletes the stream. */
  drop(): Promise<void>;
}

export async function createTestResources(): Promise<TestResources> {
  const database = await createTestDatabase('customer');
  const stream = `test-customer-${suffix()}`;
  return {
    database,
    stream,
    async drop() {
      await database.drop();
      await deleteStream(stream);
    },
  };
}

/**
 * Migrates the test database as the service does at start, on sessions that end at once: an index
 * build counts as a sequential scan of its table in pg_stat_user_tables, and a session reports its
 * counts only when it ends (or when it runs again, later), so a migrating session left open in a
 * pool could report its scans in the middle of a test that counts them.
 */
export async function migrate(resources: TestResources): Promise<void> {
  const { db } = await openDatabase<Database>({
    url: resources.database.url,
    applicationName: 'test migration',
    migrations,
    logger: createLogger({ service: 'customer-service', instance: 'test', level: 'silent' }),
  });
  await db.destroy();
}

export interface TestDatabaseContext {
  resources: TestResources;
  /** For the test's own queries. */
  pool: pg.Pool;
  db: Kysely<Database>;
}

/**
 * A test file's migrated database (no app): created before its tests, dropped after them. The
 * fields are set once beforeAll ran.
 */
export function useMigratedDatabase(): TestDatabaseContext {
  const context = {} as TestDatabaseContext;
  beforeAll(async () => {
    context.resources = await createTestResources();
    await migrate(context.resources);
    context.pool = testPool(context.resources.database.url);
    context.db = createKysely<Database>(context.pool);
  });
  afterAll(async () => {
    try {
      await context.pool?.end(); // also what `db` runs on (Kysely ends a pool only once it used it)
    } finally {
      await context.resources?.drop();
    }
  });
  return context;
}
