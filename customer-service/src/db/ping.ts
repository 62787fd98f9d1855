import { sql, type Kysely } from 'kysely';

/** Whether the database answers a trivial query now. */
export async function databaseAnswers<Schema>(db: Kysely<Schema>): Promise<boolean> {
  return sql`SELECT 1`
    .execute(db)
    .then(() => true)
    .catch(() => false);
}
