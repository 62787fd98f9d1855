import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

/** True when the database answers a query. */
export async function databaseAnswers(db: Kysely<Database>): Promise<boolean> {
  try {
    await sql`SELECT 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}
