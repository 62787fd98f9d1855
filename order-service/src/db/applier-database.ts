import { createKysely, createPool, type DatabaseSettings } from '@demo/service-kit';
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * The replica applier's own connections, which commit asynchronously: a commit returns before its
 * WAL is on disk. That is safe for the replica alone: its rows and the stored offset commit in one
 * statement, so a database crash can only lose the last batches whole, and the consumer then
 * replays them from the stream. Orders, written through the main pool, stay synchronous.
 */
export function createApplierDatabase(settings: Omit<DatabaseSettings, 'poolSize' | 'sessionOptions'>): Kysely<Database> {
  return createKysely<Database>(
    createPool({ ...settings, poolSize: 2, sessionOptions: '-c synchronous_commit=off' }),
  );
}
