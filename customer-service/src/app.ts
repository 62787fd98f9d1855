import { CUSTOMER_STREAM_ARGUMENTS } from '@demo/contract';
import {
  createHttpServer,
  createKysely,
  createPool,
  ensureDatabase,
  healthRoutes,
  migrateToLatest,
  type HttpServer,
  type Logger,
} from '@demo/service-kit';
import { connectDeclaredStream, type StreamConnection } from '@demo/stream';
import { sql } from 'kysely';
import { Registry } from 'prom-client';
import type { Config } from './config.js';
import { createCustomerBatcher } from './db/create-batcher.js';
import { customerRepository } from './db/customers.js';
import { migrations } from './db/migrations/index.js';
import type { Database } from './db/schema.js';
import { createMetrics } from './metrics.js';
import { createRelay, type Relay } from './outbox/relay.js';
import { createOutboxSignal } from './outbox/signal.js';
import { customerRoutes } from './routes/customers/index.js';
import { readiness } from './readiness.js';
import { customerService } from './services/customers.js';

/** The broker dedupes per (stream, publisherRef): one fixed name for every instance's relay. */
export const PUBLISHER_REF = 'customer-service-outbox';

export interface AppDeps {
  config: Config;
  logger: Logger;
  /** Start the outbox relay (default true); tests of the API alone may leave it off. */
  relay?: boolean;
}

export interface App {
  http: HttpServer;
  relay: Relay;
  connection: StreamConnection;
}

/**
 * Composition root: database (created and migrated), stream connection (declares the stream on
 * every connect), metrics, the customer service, the outbox relay, and the routes. `http.close()`
 * shuts everything down in order: HTTP (in-flight requests finish), relay, stream, pool.
 */
export async function buildApp({ config, logger, relay: startRelay = true }: AppDeps): Promise<App> {
  const instance = config.INSTANCE_ID ?? `customer-service:${config.PORT}`;
  await ensureDatabase(config.DATABASE_URL);
  const pool = createPool({
    url: config.DATABASE_URL,
    poolSize: config.DATABASE_POOL_SIZE,
    applicationName: instance,
    logger,
  });
  const db = createKysely<Database>(pool);
  await migrateToLatest(db as never, migrations, logger);

  const connection = connectDeclaredStream(config, {
    connectionName: instance,
    stream: config.STREAM_NAME,
    args: CUSTOMER_STREAM_ARGUMENTS,
    logger,
  });
  connection.start();

  const registry = new Registry();
  const metrics = createMetrics(registry, async () => {
    const result = await sql<{ count: number }>`SELECT count(*)::int AS count FROM outbox`.execute(db);
    return result.rows[0]?.count ?? 0;
  });
  const signal = createOutboxSignal();
  const relay = createRelay({
    databaseUrl: config.DATABASE_URL,
    connection,
    stream: config.STREAM_NAME,
    publisherRef: PUBLISHER_REF,
    batchSize: config.OUTBOX_BATCH_SIZE,
    pollMs: config.OUTBOX_POLL_MS,
    lockRetryMs: config.RELAY_LOCK_RETRY_MS,
    signal,
    metrics,
    logger,
    instance,
  });
  if (startRelay) relay.start();

  const http = await createHttpServer({
    logger,
    registry,
    title: 'customer-service',
    description: 'Customers (source of truth) and the only writer of the `customer` stream, through a transactional outbox.',
    version: '1.0.0',
  });
  const customers = customerService({
    customers: customerRepository(db, pool),
    creates: createCustomerBatcher(pool),
    metrics,
    outbox: signal,
  });
  await http.register(healthRoutes, readiness({ db, connection, relay }));
  await http.register(customerRoutes, { customers });

  http.addHook('onClose', async () => {
    await step(logger, 'outbox relay', () => relay.stop());
    await step(logger, 'stream connection', () => connection.close());
    await step(logger, 'database pool', () => db.destroy());
  });
  return { http, relay, connection };
}

async function step(logger: Logger, name: string, run: () => Promise<void>) {
  try {
    await run();
    logger.info({ step: name }, 'closed');
  } catch (error) {
    logger.error({ step: name, err: error }, 'close failed');
  }
}
