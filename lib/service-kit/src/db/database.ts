import { Kysely, PostgresDialect } from 'kysely';
import type { Migration } from 'kysely/migration';
import pg from 'pg';
import type { Logger } from 'pino';
import { migrateToLatest } from './migrate.js';

// BIGINT columns (offsets, sequence numbers) come back as strings; counts as numbers are fine.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => value);

/**
 * Bounds on every session of the services, so that nothing waits for ever on a database that
 * stopped answering or on a connection that is gone:
 * - a statement is cancelled after 30 s and a transaction left idle is ended after 60 s (the
 *   server side of a hung applier or relay);
 * - the server probes an idle client connection after 10 s, every 5 s, 3 times: a session whose
 *   client vanished (a half-open TCP connection) ends in about 25 s instead of hours, and with it
 *   its locks (the relay's advisory lock);
 * - the client probes its side the same way (TCP keepalive), and gives up on a query the server
 *   does not answer within 40 s.
 */
export const SESSION_BOUNDS =
  '-c statement_timeout=30000 -c idle_in_transaction_session_timeout=60000 ' +
  '-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3';

/** The client side of SESSION_BOUNDS, for every pg.Client and pg.Pool the services open. */
export function connectionBounds(sessionOptions = ''): pg.ClientConfig {
  return {
    options: `${SESSION_BOUNDS} ${sessionOptions}`.trim(),
    connectionTimeoutMillis: 5_000,
    query_timeout: 40_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  };
}

export interface DatabaseSettings {
  url: string;
  poolSize?: number;
  applicationName: string;
  /** Session settings sent at connect in addition to SESSION_BOUNDS, e.g. `-c synchronous_commit=off`. */
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
 * Connections a pool keeps open once made. Idle connections above these close after 30 s. A path
 * that went quiet (the order path while only customers are written) would otherwise meet its next
 * burst of requests with new connections: a backend started and a SCRAM login per connection, in
 * the tail of the burst's latency.
 */
export function poolMinimum(settings: Pick<DatabaseSettings, 'poolSize'>): number {
  return Math.min(2, settings.poolSize ?? 20);
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
    ...connectionBounds(settings.sessionOptions),
    idleTimeoutMillis: 30_000,
    min: poolMinimum(settings),
  });
  const report = (error: Error) => settings.logger?.warn({ err: error.message }, 'database connection failed');
  pool.on('error', report);
  pool.on('connect', (client) => client.on('error', report));
  return pool;
}

export function createKysely<Schema>(pool: pg.Pool): Kysely<Schema> {
  return new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
}

export interface OpenDatabase<Schema> {
  pool: pg.Pool;
  db: Kysely<Schema>;
}

/**
 * A service's database, ready to use: created when missing, a pool (with SESSION_BOUNDS), Kysely
 * over it, and the schema migrated to the latest migration (under the migrator's lock).
 */
export async function openDatabase<Schema>(
  settings: DatabaseSettings & { migrations: Record<string, Migration>; logger: Logger },
): Promise<OpenDatabase<Schema>> {
  await ensureDatabase(settings.url);
  const pool = createPool(settings);
  const db = createKysely<Schema>(pool);
  try {
    await migrateToLatest(db as Kysely<unknown>, settings.migrations, settings.logger);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return { pool, db };
}
