import { CUSTOMER_STREAM_ARGUMENTS } from '@demo/contract';
import { createHttpServer, healthRoutes, openDatabase, type Logger, type RunningService } from '@demo/service-kit';
import { connectDeclaredStream, type StreamConnection } from '@demo/stream';
import { Registry } from 'prom-client';
import type { Config } from './config.js';
import { createCustomerBatcher } from './db/create-batcher.js';
import { customerRepository } from './db/customers.js';
import { migrations } from './db/migrations/index.js';
import { CUSTOMER_SESSION } from './db/session.js';
import type { Database } from './db/schema.js';
import { createMetrics } from './metrics.js';
import { countPending } from './outbox/outbox-queries.js';
import { createRelay, type Relay } from './outbox/relay.js';
import { createOutboxSignal } from './outbox/signal.js';
import { readiness } from './readiness.js';
import { customerRoutes } from './routes/customers/index.js';
import { snapshotRoutes } from './routes/internal/snapshot.js';
import { createChangeBatcher } from './services/change-batcher.js';
import { customerService } from './services/customers.js';
import { createIdempotencyCleanup, type IdempotencyCleanup } from './services/idempotency-cleanup.js';

/** The broker deduplicates per (stream, publisherRef): one fixed name for every instance's relay. */
const PUBLISHER_REF = 'customer-service-outbox';

export interface App extends RunningService {
  relay: Relay;
  connection: StreamConnection;
  idempotencyCleanup: IdempotencyCleanup;
}

/**
 * Composition root: infrastructure (the database, created and migrated; the stream connection,
 * which declares the stream on every connect), then the service's own parts (metrics, outbox
 * relay, customer service, cleanup of expired idempotency keys), then the routes. start() connects
 * to the stream and starts the relay and the cleanup.
 */
export async function buildApp(config: Config, logger: Logger, instance: string): Promise<App> {
  const { pool, db } = await openDatabase<Database>({
    url: config.DATABASE_URL,
    poolSize: config.DATABASE_POOL_SIZE,
    applicationName: instance,
    sessionOptions: CUSTOMER_SESSION,
    migrations,
    logger,
  });
  const connection = connectDeclaredStream(config, {
    connectionName: instance,
    stream: config.STREAM_NAME,
    partitions: config.STREAM_PARTITIONS,
    args: CUSTOMER_STREAM_ARGUMENTS,
    logger,
  });

  const registry = new Registry();
  const metrics = createMetrics(registry, () => countPending(pool));
  const signal = createOutboxSignal();
  const relay = createRelay({
    databaseUrl: config.DATABASE_URL,
    connection,
    stream: config.STREAM_NAME,
    partitions: config.STREAM_PARTITIONS,
    publisherRef: PUBLISHER_REF,
    batchSize: config.OUTBOX_BATCH_SIZE,
    pollMs: config.OUTBOX_POLL_MS,
    lockRetryMs: config.RELAY_LOCK_RETRY_MS,
    signal,
    metrics,
    logger,
    instance,
  });
  const repository = customerRepository(db, pool);
  const customers = customerService({
    customers: repository,
    creates: createCustomerBatcher(pool, { keyTtlHours: config.IDEMPOTENCY_KEY_TTL_HOURS, observe: metrics.groupCommit('create') }),
    changes: createChangeBatcher(repository, { observe: metrics.groupCommit('change') }),
    metrics,
    outbox: signal,
  });

  const idempotencyCleanup = createIdempotencyCleanup({
    pool,
    ttlHours: config.IDEMPOTENCY_KEY_TTL_HOURS,
    intervalMs: config.IDEMPOTENCY_CLEANUP_INTERVAL_MS,
    batchSize: config.IDEMPOTENCY_CLEANUP_BATCH_SIZE,
    logger,
  });

  const http = await createHttpServer({
    logger,
    registry,
    settings: config,
    title: 'customer-service',
    description: 'Customers (source of truth) and the only writer of the `customer` stream, through a transactional outbox.',
    version: '1.0.0',
  });
  await http.register(healthRoutes, readiness({ db, connection, relay }));
  await http.register(customerRoutes, { customers });
  await http.register(snapshotRoutes, { pool });

  return {
    http,
    relay,
    connection,
    idempotencyCleanup,
    fatal: connection.fatal,
    start() {
      connection.start();
      relay.start();
      idempotencyCleanup.start();
    },
    // HTTP first (in-flight requests finish and notify the relay), then the relay, which still
    // needs the stream and its own session, then the stream, then the pool.
    shutdownSteps: [
      { name: 'http', run: () => http.close() },
      { name: 'idempotency key cleanup', run: () => idempotencyCleanup.stop() },
      { name: 'outbox relay', run: () => relay.stop() },
      { name: 'stream connection', run: () => connection.close() },
      { name: 'database pool', run: () => db.destroy() },
    ],
  };
}
