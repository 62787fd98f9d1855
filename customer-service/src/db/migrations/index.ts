import type { Migration } from 'kysely/migration';
import { initial } from './0001-initial.js';

/** Every migration, by name; kysely's Migrator applies them in name order. */
export const migrations: Record<string, Migration> = {
  '0001-initial': initial,
};
