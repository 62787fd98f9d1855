import { testPool, TEST_TOKENS, bearer, broker } from '@demo/test-support';
import { createLogger, type Logger } from '@demo/service-kit';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { buildApp, type App } from '../../src/app.js';
import { readConfig, type Config } from '../../src/config.js';
import { createTestResources, type TestResources } from './resources.js';

/** The tokens the tests' services are given: the reader's lists customers. */


export function testConfig(resources: TestResources, env: NodeJS.ProcessEnv = {}): Config {
  return readConfig({
    ...process.env,
    // The broker account make gives the tests (lib/test-support reads .run/infra.env when the environment does not).
    RABBITMQ_USER: broker.user,
    RABBITMQ_PASSWORD: broker.password,
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: resources.database.url,
    STREAM_NAME: resources.stream,
    OUTBOX_POLL_MS: '50',
    RELAY_LOCK_RETRY_MS: '200',
    OPERATOR_TOKEN: TEST_TOKENS.operator,
    READER_TOKEN: TEST_TOKENS.reader,
    ...env,
  });
}

/** The service in this process, composed and started as runService does (without the relay when `relay` is false). */
export async function startApp(
  resources: TestResources,
  options: { relay?: boolean; env?: NodeJS.ProcessEnv; logger?: Logger } = {},
): Promise<App> {
  const config = testConfig(resources, options.env);
  const logger = options.logger ?? createLogger({ service: 'customer-service', instance: 'test', level: config.LOG_LEVEL });
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

export interface TestApp {
  app: App;
  /** For the test's own queries of the service's database. */
  pool: pg.Pool;
  resources: TestResources;
}

/**
 * A test file's app: started before its tests on resources of its own, closed and dropped after
 * them. The fields are set once beforeAll ran.
 */
export function useTestApp(options: { relay?: boolean; env?: NodeJS.ProcessEnv; logger?: Logger } = {}): TestApp {
  const context = {} as TestApp;
  beforeAll(async () => {
    context.resources = await createTestResources();
    context.pool = testPool(context.resources.database.url);
    context.app = await startApp(context.resources, options);
  });
  afterAll(async () => {
    try {
      await closeApp(context.app);
    } finally {
      await context.pool?.end();
      await context.resources?.drop();
    }
  });
  return context;
}

export { TEST_TOKENS, bearer };
