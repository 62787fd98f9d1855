import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';

// BIGINT columns (offsets, sequence numbers) come back as strings; counts as numbers are fine.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => value);

export interface DatabaseSettings {
  url: string;
  poolSize?: number;
  applicationName: string;
  /** Session settings sent at connect, e.g. `-c synchronous_commit=off`. */
  sessionOptions?: string;
  /** Told about connections the server cut (restart, terminate); the pool replaces them. */
  logger?: { warn(details: object, message: string): void };
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
        // Created meanwhile by a concurrent start: 42P04, or 23505 when both passed the check at once.
        if (error.code !== '42P04' && error.code !== '23505') throw error;
      });
    }
  } finally {
    await client.end();
  }
}

/**
 * A pool that survives the database going away: a connection the server terminates emits 'error'
 * on the pool when idle and on the client itself when checked out, and either would crash the
 * process without a listener. The query in flight fails (a 503 upstream); the pool reconnects.
 */
export function createPool(settings: DatabaseSettings): pg.Pool {
  const pool = new pg.Pool({
    connectionString: settings.url,
    max: settings.poolSize ?? 20,
    application_name: settings.applicationName,
    ...(settings.sessionOptions ? { options: settings.sessionOptions } : {}),
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  const report = (error: Error) => settings.logger?.warn({ err: error.message }, 'database connection failed');
  pool.on('error', report);
  pool.on('connect', (client) => client.on('error', report));
  return pool;
}

export function createKysely<Schema>(pool: pg.Pool): Kysely<Schema> {
  return new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
}
