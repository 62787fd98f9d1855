import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { ensureDatabase } from '@demo/service-kit';
import { createStreamConnection, ensureStream, type StreamConnection } from '@demo/stream';
import { CUSTOMER_STREAM_ARGUMENTS } from '@demo/contract';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from '../../src/db/schema.js';

export const ADMIN_DATABASE_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://app:app@127.0.0.1:5432/postgres';

export const broker = {
  host: process.env.RABBITMQ_HOST ?? '127.0.0.1',
  port: Number(process.env.RABBITMQ_STREAM_PORT ?? 5552),
  user: process.env.RABBITMQ_USER ?? 'guest',
  password: process.env.RABBITMQ_PASSWORD ?? 'guest',
};

export function suffix(): string {
  return randomUUID().slice(0, 8);
}

/** A database of its own for one test file: test_order_<what>_<random>. */
export async function createTestDatabase(what: string): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `test_order_${what}_${suffix()}`;
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  await ensureDatabase(url.toString());
  return {
    url: url.toString(),
    name,
    async drop() {
      await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

export async function adminQuery(text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await client.connect();
  try {
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}

export function kyselyFor(url: string): Kysely<Database> {
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 3 }) }) });
}

/** A stream of its own for one test file: test-order-<what>-<random>, deleted by drop(). */
export async function createTestStream(what: string): Promise<{ name: string; connection: StreamConnection; drop(): Promise<void> }> {
  const name = `test-order-${what}-${suffix()}`;
  const connection = createStreamConnection({ ...broker, connectionName: `test ${name}`, connectTimeoutMs: 3_000 });
  connection.onReady((client) => ensureStream(client, name, CUSTOMER_STREAM_ARGUMENTS));
  connection.start();
  await connection.ready();
  return {
    name,
    connection,
    async drop() {
      const client = await connection.ready();
      await client.deleteStream({ stream: name }).catch(() => undefined);
      await connection.close();
    },
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export async function until<T>(check: () => T | Promise<T>, timeoutMs = 10_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${what} not reached within ${timeoutMs} ms${last ? ` (last error: ${String(last)})` : ''}`);
}
