import { sql, type Kysely } from 'kysely';
import type { Migration } from 'kysely/migration';

/**
 * Idempotency keys belong to a scope (the route and the client, see routes/customers/create.ts)
 * and expire (services/idempotency-cleanup.ts deletes them by age). Keys stored before were all
 * anonymous creates.
 */
export const idempotencyScope: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`ALTER TABLE idempotency_keys ADD COLUMN scope text NOT NULL DEFAULT 'POST /customers anonymous'`.execute(db);
    await sql`ALTER TABLE idempotency_keys ALTER COLUMN scope DROP DEFAULT`.execute(db);
    await sql`ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey`.execute(db);
    await sql`ALTER TABLE idempotency_keys ADD PRIMARY KEY (scope, key)`.execute(db);
    await sql`CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at)`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    await sql`DROP INDEX idempotency_keys_created_at`.execute(db);
    await sql`ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey`.execute(db);
    await sql`DELETE FROM idempotency_keys a USING idempotency_keys b WHERE a.key = b.key AND a.scope > b.scope`.execute(db);
    await sql`ALTER TABLE idempotency_keys ADD PRIMARY KEY (key)`.execute(db);
    await sql`ALTER TABLE idempotency_keys DROP COLUMN scope`.execute(db);
  },
};
