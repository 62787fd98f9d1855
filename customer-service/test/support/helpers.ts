import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { decodeEvent, type CustomerEvent } from '@demo/contract';
import { createLogger, ensureDatabase } from '@demo/service-kit';
import {
  createSingleActiveConsumer,
  createStreamConnection,
  type SingleActiveConsumer,
  type StreamConnection,
  type StreamMessage,
} from '@demo/stream';
import pg from 'pg';
import { buildApp, type App } from '../../src/app.js';
import { readConfig, type Config } from '../../src/config.js';

/** The built service (vitest runs this file from customer-service/test/; run `npx tsc -b` first). */
export const MAIN_JS = fileURLToPath(new URL('../../dist/src/main.js', import.meta.url));

/** A database `test_customer_<random>` and a stream `test-customer-<random>` of this test file's own. */
export function testResources() {
  const suffix = randomUUID().slice(0, 8);
  const base = new URL(process.env.DATABASE_URL ?? 'postgres://app:app@127.0.0.1:5432/customer_db');
  base.pathname = `/test_customer_${suffix}`;
  return { databaseUrl: base.toString(), stream: `test-customer-${suffix}` };
}

export function testConfig(resources: { databaseUrl: string; stream: string }, env: NodeJS.ProcessEnv = {}): Config {
  return readConfig({
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: resources.databaseUrl,
    STREAM_NAME: resources.stream,
    OUTBOX_POLL_MS: '50',
    RELAY_LOCK_RETRY_MS: '200',
    ...env,
  });
}

export async function startApp(
  resources: { databaseUrl: string; stream: string },
  options: { relay?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<App> {
  const config = testConfig(resources, options.env);
  const logger = createLogger({ service: 'customer-service', instance: 'test', level: config.LOG_LEVEL });
  const app = await buildApp(config, logger, 'test');
  if (options.relay ?? true) app.start();
  else app.connection.start();
  await app.http.ready();
  return app;
}

/** What a SIGTERM does to the service: its shutdown steps in order (HTTP, relay, stream, pool). */
export async function closeApp(app: App | undefined): Promise<void> {
  for (const step of app?.shutdownSteps ?? []) await step.run();
}

export async function openDatabase(databaseUrl: string): Promise<pg.Pool> {
  await ensureDatabase(databaseUrl);
  return new pg.Pool({ connectionString: databaseUrl, max: 4 });
}

/** Drops the test database (whatever still holds connections to it) and the test stream. */
export async function dropResources(resources: { databaseUrl: string; stream: string }): Promise<void> {
  const admin = new URL(resources.databaseUrl);
  const name = admin.pathname.slice(1);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
  const connection = newConnection('test-cleanup');
  try {
    const streamClient = await connection.ready();
    await streamClient.deleteStream({ stream: resources.stream }).catch(() => undefined);
  } finally {
    await connection.close();
  }
}

export function newConnection(name: string): StreamConnection {
  const connection = createStreamConnection({
    host: process.env.RABBITMQ_HOST ?? '127.0.0.1',
    port: Number(process.env.RABBITMQ_STREAM_PORT ?? 5552),
    user: process.env.RABBITMQ_USER ?? 'guest',
    password: process.env.RABBITMQ_PASSWORD ?? 'guest',
    connectionName: name,
    connectTimeoutMs: 3_000,
  });
  connection.start();
  return connection;
}

export interface ReceivedEvent {
  offset: bigint;
  event: CustomerEvent;
  body: string;
  annotations: Record<string, unknown>;
}

/** Reads the stream from its first message into `events` (decoded with the contract). */
export async function readStream(stream: string): Promise<{ events: ReceivedEvent[]; close(): Promise<void> }> {
  const connection = newConnection('test-reader');
  const events: ReceivedEvent[] = [];
  const consumer: SingleActiveConsumer = createSingleActiveConsumer(connection, {
    stream,
    consumerRef: `test-reader-${randomUUID().slice(0, 8)}`,
    resumeFrom: async () => {
      const last = events.at(-1)?.offset;
      return last === undefined ? 'first' : last + 1n;
    },
    handleBatch: async (batch: StreamMessage[]) => {
      for (const message of batch) {
        const decoded = decodeEvent(message.body, message.annotations);
        if (!decoded.ok) throw new Error(`undecodable event at ${message.offset}: ${decoded.reason} ${decoded.detail}`);
        events.push({
          offset: message.offset,
          event: decoded.event,
          body: message.body.toString('utf8'),
          annotations: message.annotations,
        });
      }
    },
  });
  await connection.ready();
  consumer.start();
  return {
    events,
    async close() {
      await consumer.close();
      await connection.close();
    },
  };
}

/** Polls `check` until it holds; fails with `what` after the deadline. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${what} not reached within ${timeoutMs} ms`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface ServiceProcess {
  child: ChildProcess;
  port: number;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** Runs the built service (customer-service/dist/src/main.js) as its own process. */
export async function spawnService(
  resources: { databaseUrl: string; stream: string },
  instance: string,
  env: NodeJS.ProcessEnv = {},
): Promise<ServiceProcess> {
  const port = await freePort();
  let output = '';
  const child = spawn(process.execPath, [MAIN_JS], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      PORT: String(port),
      HOST: '127.0.0.1',
      INSTANCE_ID: instance,
      DATABASE_URL: resources.databaseUrl,
      STREAM_NAME: resources.stream,
      OUTBOX_POLL_MS: '50',
      RELAY_LOCK_RETRY_MS: '200',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-200_000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-200_000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  await until(
    async () => {
      if (child.exitCode !== null) throw new Error(`${instance} exited (${child.exitCode}):\n${output}`);
      return fetch(`${url}/health`).then((response) => response.ok).catch(() => false);
    },
    30_000,
    `${instance} listening`,
  );
  return { child, port, url, output: () => output, exited };
}

export async function relayRoleOf(service: ServiceProcess): Promise<string | undefined> {
  const response = await fetch(`${service.url}/ready`).catch(() => undefined);
  if (!response) return undefined;
  return ((await response.json()) as { relay?: string }).relay;
}

export function customerInput(label = 'c') {
  const id = randomUUID().slice(0, 12);
  return { name: `Name ${label} ${id}`, email: `${label}.${id}@example.com`, address: `Street ${id}` };
}

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** scripts/infra.sh rabbitmq-stop | rabbitmq-start (the broker is shared: keep outages short). */
export async function infra(command: 'rabbitmq-stop' | 'rabbitmq-start'): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    execFile('bash', ['scripts/infra.sh', command], { cwd: REPO_ROOT, timeout: 60_000 }, (error, _stdout, stderr) =>
      error ? reject(new Error(`infra.sh ${command} failed: ${stderr}`)) : resolve(),
    ),
  );
}

/** Event ids that occur more than once (must be none). */
export function duplicates(events: ReceivedEvent[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const { event } of events) {
    if (seen.has(event.metadata.event_id)) twice.add(event.metadata.event_id);
    seen.add(event.metadata.event_id);
  }
  return [...twice];
}

/** Asserts per customer: versions 1, 2, 3, ... in stream order, nothing missing, nothing repeated. */
export function versionsOutOfOrder(events: ReceivedEvent[]): string[] {
  const last = new Map<string, number>();
  const problems: string[] = [];
  for (const { event, offset } of events) {
    const id = event.data.customer_id;
    const expected = (last.get(id) ?? 0) + 1;
    if (event.data.version !== expected) problems.push(`${id}: version ${event.data.version} at ${offset}, expected ${expected}`);
    last.set(id, event.data.version);
  }
  return problems;
}

/** Creates customers and updates some of them, `parallel` requests at a time; returns the number of events. */
export async function makeBacklog(app: App, customers: number, updatesEach: number, parallel = 32): Promise<number> {
  const ids: string[] = [];
  for (let i = 0; i < customers; i += parallel) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(parallel, customers - i) }, () =>
        app.http.inject({ method: 'POST', url: '/customers', payload: customerInput('backlog') }),
      ),
    );
    for (const response of batch) {
      if (response.statusCode !== 201) throw new Error(`create answered ${response.statusCode}: ${response.body}`);
      ids.push(response.json<{ customer_id: string }>().customer_id);
    }
  }
  const updated = ids.slice(0, Math.floor(ids.length / 2));
  for (let round = 1; round <= updatesEach; round++) {
    for (let i = 0; i < updated.length; i += parallel) {
      await Promise.all(
        updated.slice(i, i + parallel).map((id) =>
          app.http.inject({ method: 'PUT', url: `/customers/${id}/address`, payload: { address: `Round ${round}` } }),
        ),
      );
    }
  }
  return ids.length + updated.length * updatesEach;
}
