import { createLogger, runSteps, type HttpServer, type Logger } from '@demo/service-kit';
import type { LightMyRequestResponse } from 'fastify';
import { createTestDatabase, until, type TestDatabase, TEST_TOKENS, bearer, broker } from '@demo/test-support';
import { afterAll, beforeAll } from 'vitest';
import type { Kysely } from 'kysely';
import { buildApp } from '../../src/app.js';
import { readConfig } from '../../src/config.js';
import type { Database } from '../../src/db/schema.js';
import { kyselyFor, storedOffset } from './replica.js';
import { createTestStream, TestPublisher, type StreamContents, type TestStream } from './stream.js';

/** The tokens the tests' services are given: a request with the operator's reaches /admin and /replica. */


export interface InProcessService {
  /** For inject(). */
  http: HttpServer;
  /** Runs the service's shutdown steps. */
  close(): Promise<void>;
}

/** order-service in this process (for inject), on the database and stream `env` names (and with `logger`, when given). */
export async function startInProcess(env: Record<string, string>, logger?: Logger): Promise<InProcessService> {
  const config = readConfig({
    ...process.env,
    // The broker account make gives the tests (lib/test-support reads .run/infra.env when the environment does not).
    RABBITMQ_USER: broker.user,
    RABBITMQ_PASSWORD: broker.password,
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
    OPERATOR_TOKEN: TEST_TOKENS.operator,
    READER_TOKEN: TEST_TOKENS.reader,
    ...env,
  });
  const log = logger ?? createLogger({ service: 'order-service', instance: 'test', level: config.LOG_LEVEL });
  const service = await buildApp(config, log, 'test');
  service.start();
  return {
    http: service.http,
    close: async () => void (await runSteps(log, service.shutdownSteps, config.SHUTDOWN_TIMEOUT_MS)),
  };
}

/** An in-process order-service, active on a database and a stream of its own, with a publisher. */
export interface ServiceUnderTest extends InProcessService {
  database: TestDatabase;
  stream: TestStream;
  publisher: TestPublisher;
  /** The test's own connection to the service's database. */
  db: Kysely<Database>;
  /** Waits until the stored offset reaches the stream's last message; returns what the stream holds. */
  applied(timeoutMs?: number): Promise<StreamContents>;
  /** POST /orders for this customer id. */
  postOrder(customerId: unknown): ReturnType<typeof postOrder>;
  /** GET `url` with the operator's token (the /admin and /replica routes). */
  operatorGet(url: string): Promise<LightMyRequestResponse>;
}

function postOrder(http: HttpServer, customerId: unknown) {
  return http.inject({ method: 'POST', url: '/orders', payload: { customer_id: customerId } });
}

export async function startServiceUnderTest(what: string, env: Record<string, string> = {}, logger?: Logger): Promise<ServiceUnderTest> {
  const cleanups: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const database = await createTestDatabase(`order_${what}`);
    cleanups.push(() => database.drop());
    const stream = await createTestStream(what);
    cleanups.push(() => stream.drop());
    const publisher = await TestPublisher.create(stream.connection, stream.name);
    cleanups.push(() => publisher.close());
    const db = kyselyFor(database.url);
    cleanups.push(() => db.destroy());
    const service = await startInProcess({ DATABASE_URL: database.url, STREAM_NAME: stream.name, ...env }, logger);
    cleanups.push(() => service.close());
    await until(async () => (await service.http.inject('/health')).json().role === 'active', 15_000, 'active');
    return {
      http: service.http,
      database,
      stream,
      publisher,
      db,
      async applied(timeoutMs = 10_000) {
        const contents = await publisher.contents(stream.connection, stream.name);
        await until(async () => (await storedOffset(db, stream.name)) === contents.lastOffset, timeoutMs, 'all applied');
        return contents;
      },
      postOrder: (customerId) => postOrder(service.http, customerId),
      operatorGet: (url) => service.http.inject({ url, headers: bearer(TEST_TOKENS.operator) }),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** A test file's service under test: started before its tests, closed after them. */
export function useServiceUnderTest(what: string, env: Record<string, string> = {}, logger?: Logger): () => ServiceUnderTest {
  let service: ServiceUnderTest | undefined;
  beforeAll(async () => {
    service = await startServiceUnderTest(what, env, logger);
  }, 60_000);
  afterAll(async () => {
    await service?.close();
  }, 60_000);
  return () => {
    if (!service) throw new Error(`the service under test (${what}) did not start`);
    return service;
  };
}

export { TEST_TOKENS, bearer };
