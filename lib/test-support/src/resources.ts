import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { connect } from 'rabbitmq-stream-js-client';
import pg from 'pg';

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** A role that may create databases (the services' role in development and CI). */
export const ADMIN_DATABASE_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://app:app@127.0.0.1:5432/postgres';

/** The broker the tests use (the services' defaults). */
export const broker = {
  host: process.env.RABBITMQ_HOST ?? '127.0.0.1',
  port: Number(process.env.RABBITMQ_STREAM_PORT ?? 5552),
  user: process.env.RABBITMQ_USER ?? 'guest',
  password: process.env.RABBITMQ_PASSWORD ?? 'guest',
};

export function suffix(): string {
  return randomUUID().slice(0, 8);
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

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A database `test_<what>_<random>` of its own (created empty; the services migrate it). */
export async function createTestDatabase(what: string): Promise<TestDatabase> {
  const name = `test_${what}_${suffix()}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => void (await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)),
  };
}

/** Deletes a stream if it exists. */
export async function deleteStream(stream: string): Promise<void> {
  const client = await connect({
    hostname: broker.host,
    port: broker.port,
    username: broker.user,
    password: broker.password,
    vhost: '/',
    addressResolver: { enabled: true, endpoint: { host: broker.host, port: broker.port } },
  });
  try {
    await client.deleteStream({ stream }).catch(() => undefined);
  } finally {
    await client.close().catch(() => undefined);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Runs a verb of scripts/infra.sh (the broker and PostgreSQL are shared: keep faults short). */
export async function infra(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('bash', ['scripts/infra.sh', ...args], { cwd: REPO_ROOT, timeout: 120_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`infra.sh ${args.join(' ')} failed: ${stderr || error.message}`)) : resolve(stdout + stderr),
    ),
  );
}
