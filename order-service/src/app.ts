import { errorMessage } from '@demo/async';
import { CUSTOMER_STREAM_ARGUMENTS, ORDER_SERVICE_CONSUMER } from '@demo/contract';
import {
  createHttpServer,
  createKysely,
  createPool,
  ensureDatabase,
  migrateToLatest,
  type HttpServer,
  type Logger,
  type ShutdownStep,
} from '@demo/service-kit';
import { connectDeclaredStream, createSingleActiveConsumer, type StreamConnection } from '@demo/stream';
import { sql, type Kysely } from 'kysely';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { Config } from './config.js';
import { createReplicaApplier } from './consumer/applier.js';
import { createApplierDatabase } from './db/applier-database.js';
import { startLagMonitor } from './consumer/lag-monitor.js';
import { createReplicaNotifications } from './consumer/replica-notifications.js';
import type { RouteContext } from './context.js';
import { loadPosition, type ConsumerKey } from './db/position.js';
import { migrations } from './db/migrations/index.js';
import type { Database } from './db/schema.js';
import { createMetrics } from './metrics.js';
import { createCustomerLookup } from './read-your-writes.js';
import { adminRoutes } from './routes/admin.js';
import { healthRoutes } from './routes/health.js';
import { ordersRoutes } from './routes/orders/index.js';
import { replicaRoutes } from './routes/replica.js';

export interface AppDeps {
  config: Config;
  logger: Logger;
  instance: string;
}

export interface OrderService {
  app: HttpServer;
  db: Kysely<Database>;
  stream: StreamConnection;
  /** Connects to the stream and LISTENs; the consumer subscribes (active or standby). */
  start(): void;
  /** In order: HTTP, consumer (unsubscribes so that a standby takes over), stream, LISTEN, pool. */
  shutdownSteps(): ShutdownStep[];
  close(): Promise<void>;
}

/** Composition root: everything order-service is made of, wired in order. */
export async function buildApp({ config, logger, instance }: AppDeps): Promise<OrderService> {
  // Database: created if missing, migrated under the migrator's lock.
  await ensureDatabase(config.DATABASE_URL);
  const pool = createPool({
    url: config.DATABASE_URL,
    poolSize: config.DATABASE_POOL_SIZE,
    applicationName: instance,
    logger,
  });
  const db = createKysely<Database>(pool);
  await migrateToLatest(db as Kysely<unknown>, migrations, logger);
  const applierDb = createApplierDatabase({ url: config.DATABASE_URL, applicationName: `${instance} applier`, logger });

  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics = createMetrics(registry);
  metrics.consumerActive.set(0);

  // Stream: one connection, the stream declared on every (re)connect before the consumer subscribes.
  const streamLogger = logger.child({ component: 'stream' });
  const stream = connectDeclaredStream(config, {
    connectionName: `order-service ${instance}`,
    stream: config.STREAM_NAME,
    args: CUSTOMER_STREAM_ARGUMENTS,
    logger: streamLogger,
  });

  // The replica: applier behind a single active consumer, notifications for readers and rebuilds.
  const key: ConsumerKey = { consumerName: ORDER_SERVICE_CONSUMER, stream: config.STREAM_NAME };
  let appliedOffset: bigint | null = (await loadPosition(db, key)).lastOffset;
  const notifications = createReplicaNotifications(config.DATABASE_URL, instance, logger);

  let resubscribing: Promise<void> | undefined;
  function resubscribe(reason: string) {
    if (resubscribing) return;
    resubscribing = consumer
      .resubscribe(reason)
      .catch((error: unknown) => {
        logger.warn({ err: errorMessage(error) }, 'resubscribing failed; reconnecting the stream');
        stream.reconnect(`resubscribe failed: ${errorMessage(error)}`);
      })
      .finally(() => {
        resubscribing = undefined;
      });
  }

  const applier = createReplicaApplier({
    db: applierDb,
    key,
    metrics,
    logger,
    onRebuildDetected: resubscribe,
    onApplied: (offset) => {
      appliedOffset = offset;
    },
  });
  const consumer = createSingleActiveConsumer(stream, {
    stream: config.STREAM_NAME,
    consumerRef: ORDER_SERVICE_CONSUMER,
    resumeFrom: async () => {
      const from = await applier.resumeFrom();
      appliedOffset = applier.position?.lastOffset ?? null;
      return from;
    },
    prepareBatch: (messages) => applier.prepareBatch(messages),
    handleBatch: (messages, prepared) => applier.handleBatch(messages, prepared),
    onRoleChange: (role) => metrics.consumerActive.set(role === 'active' ? 1 : 0),
    maxBatchSize: config.APPLY_BATCH_SIZE,
    logger: streamLogger,
  });

  notifications.onApplied((offset) => {
    if (offset !== undefined && consumer.role === 'standby') appliedOffset = offset;
  });
  notifications.onRebuild(() => {
    logger.info({ role: consumer.role }, 'replica rebuild announced');
    appliedOffset = null;
    if (consumer.role === 'active') resubscribe('replica rebuilt');
  });
  // A rebuild announced while the LISTEN connection was down: the active instance finds out here.
  notifications.onConnected(() => {
    if (consumer.role !== 'active') return;
    void applier
      .isStale()
      .then((stale) => stale && resubscribe('replica rebuilt while notifications were down'))
      .catch(() => undefined);
  });

  const customers = createCustomerLookup({ db, notifications, timeoutMs: config.READ_YOUR_WRITES_TIMEOUT_MS });

  const context: RouteContext = {
    db,
    customers,
    metrics,
    consumerStatus: () => ({ role: consumer.role, appliedOffset }),
    databaseReachable: async () => {
      try {
        await sql`SELECT 1`.execute(db);
        return true;
      } catch {
        return false;
      }
    },
    streamConnected: () => stream.isConnected,
  };

  const app = await createHttpServer({
    logger,
    registry,
    title: 'order-service',
    description: 'Orders validated against a replica of customers fed by the RabbitMQ stream `customer`',
    version: '0.1.0',
  });
  await app.register(healthRoutes, { context });
  await app.register(ordersRoutes, { context });
  await app.register(replicaRoutes, { context });
  await app.register(adminRoutes, { context });

  let stopLagMonitor: (() => void) | undefined;
  const steps: ShutdownStep[] = [
    { name: 'http', run: () => app.close() },
    { name: 'read-your-writes waiters', run: async () => customers.close() },
    { name: 'stream consumer', run: () => consumer.close() },
    { name: 'stream connection', run: () => stream.close() },
    { name: 'replica notifications', run: () => notifications.close() },
    { name: 'database pool', run: () => db.destroy() },
    { name: 'applier database pool', run: () => applierDb.destroy() },
  ];

  return {
    app,
    db,
    stream,
    start() {
      notifications.start();
      stream.start();
      consumer.start();
      stopLagMonitor = startLagMonitor({
        connection: stream,
        consumer,
        stream: config.STREAM_NAME,
        appliedOffset: () => appliedOffset,
        metrics,
        logger,
      });
    },
    shutdownSteps: () => [{ name: 'lag monitor', run: async () => stopLagMonitor?.() }, ...steps],
    async close() {
      stopLagMonitor?.();
      for (const step of steps) await step.run().catch(() => undefined);
    },
  };
}
