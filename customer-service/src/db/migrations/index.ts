import type { Migration } from 'kysely/migration';
import { initial } from './0001-initial.js';
import { idempotencyScope } from './0002-idempotency-scope.js';

/** Every migration, by name; kysely's Migrator applies them in name order. */
export const migrations: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-idempotency-scope': idempotencyScope,
};
