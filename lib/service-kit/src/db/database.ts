import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';

// BIGINT columns (offsets, sequence numbers) come back as strings; counts as numbers are fine.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => value);

export interface DatabaseSettings {
  url: string;
  poolSize?: number;
  applicationName: string;
}

/** Creates the database named in the URL when it does not exist (the role needs CREATEDB). */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!name) throw new Error('DATABASE_URL names no database');
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`).catch((error: { code?: string }) => {
        if (error.code !== '42P04') throw error; // created meanwhile by a concurrent start
      });
    }
  } finally {
    await client.end();
  }
}

export function createPool(settings: DatabaseSettings): pg.Pool {
  return new pg.Pool({
    connectionString: settings.url,
    max: settings.poolSize ?? 20,
    application_name: settings.applicationName,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
}

export function createKysely<Schema>(pool: pg.Pool): Kysely<Schema> {
  return new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
}
