import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from 'rabbitmq-stream-js-client';
import pg from 'pg';

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** A role that may create databases (the services' role in development and CI). */
export const ADMIN_DATABASE_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://app:app@127.0.0.1:5432/postgres';

/**
 * The settings `make` gives the tests (.run/infra.env: the broker's operator account), read here too
 * so that `npx vitest` works without them in the environment. The environment wins.
 */
function runSettings(): Record<string, string> {
  try {
    const text = readFileSync(path.join(REPO_ROOT, '.run', 'infra.env'), 'utf8');
    return Object.fromEntries(
      text.split('\n').flatMap((line) => {
        const match = /^([A-Z_]+)=(.*)$/.exec(line);
        return match ? [[match[1]!, match[2]!]] : [];
      }),
    );
  } catch {
    return {};
  }
}
const run = runSettings();
const setting = (name: string, fallback: string) => process.env[name] ?? run[name] ?? fallback;

/** The broker the tests use (the services' defaults, with make's operator account). */
export const broker = {
  host: setting('RABBITMQ_HOST', '127.0.0.1'),
  port: Number(setting('RABBITMQ_STREAM_PORT', '5552')),
  user: setting('RABBITMQ_USER', 'guest'),
  password: setting('RABBITMQ_PASSWORD', 'guest'),
  managementUrl: setting('RABBITMQ_MANAGEMENT_URL', 'http://127.0.0.1:15672'),
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

/**
 * A pool for a test's own queries. A test database dropped WITH (FORCE) terminates connections
 * that are still closing; that is not a failure of the test.
 */
export function testPool(url: string, max = 4): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
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
  return runInfra({}, args);
}

function runInfra(env: Record<string, string>, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      'bash',
      ['scripts/infra.sh', ...args],
      { cwd: REPO_ROOT, timeout: 180_000, env: { ...process.env, ...env } },
      (error, stdout, stderr) =>
        error ? reject(new Error(`infra.sh ${args.join(' ')} failed: ${stderr || error.message}`)) : resolve(stdout + stderr),
    ),
  );
}

/**
 * A three-node RabbitMQ cluster of the tests' own (nodes cluster1..3@localhost, streams on
 * 127.0.0.1:5652-5654), beside the system's broker: `up()` starts it (idempotent; ~25 s the first
 * time), `infra(verb, ...)` runs scripts/infra.sh on it (e.g. rabbitmq-kill 2).
 */
export const testCluster = {
  env: { BROKER_NAME: 'cluster', BROKER_NODES: '3' },
  nodes: [5652, 5653, 5654].map((port) => ({ host: '127.0.0.1', port })),
  /** RABBITMQ_HOSTS for a service process. */
  get hosts(): string {
    return this.nodes.map((node) => `${node.host}:${node.port}`).join(',');
  },
  up(): Promise<string> {
    return runInfra(this.env, ['up']);
  },
  infra(...args: string[]): Promise<string> {
    return runInfra(this.env, args);
  },
  /** The node (1..3) that leads `stream`. */
  async leaderOf(stream: string): Promise<number> {
    return Number((await runInfra(this.env, ['stream-leader', stream])).trim());
  },
};

/** The tokens the tests give the services they start (OPERATOR_TOKEN, READER_TOKEN). */
export const TEST_TOKENS = { operator: 'test-operator-token-0123456789', reader: 'test-reader-token-0123456789' };

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
