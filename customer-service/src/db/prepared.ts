import type { CompiledQuery } from 'kysely';
import type pg from 'pg';

/**
 * Runs a kysely-built query as a named prepared statement: PostgreSQL parses and plans it once
 * per connection instead of on every write (the write CTEs cost more to plan than to run).
 * The name must always stand for the same SQL text, which kysely gives for the same builder chain.
 */
export async function runPrepared<Row>(pool: pg.Pool, name: string, query: CompiledQuery<Row>): Promise<Row[]> {
  const result = await pool.query({ name, text: query.sql, values: query.parameters as unknown[] });
  return result.rows as Row[];
}
