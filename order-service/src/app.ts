import { CUSTOMER_STREAM_ARGUMENTS, ORDER_SERVICE_CONSUMER } from '@demo/contract';
import {
  createHttpServer,
  healthRoutes,
  createKysely,
  createPool,
  ensureDatabase,
  migrateToLatest,
  type HttpServer,
  type Logger,
  type ShutdownStep,
} from '@demo/service-kit';
import { connectDeclaredStream, type StreamConnection } from '@demo/stream';
import type { Kysely } from 'kysely';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { Config } from './config.js';
import { createReplicaSync } from './consumer/replica-sync.js';
import { createApplierDatabase } from './db/applier-database.js';
import { migrations } from './db/migrations/index.js';
import type { Database } from './db/schema.js';
import { createMetrics } from './metrics.js';
import { adminRoutes } from './routes/admin.js';
import { ordersRoutes } from './routes/orders/index.js';
import { replicaRoutes } from './routes/replica.js';
import { createCustomerLookup } from './services/customer-lookup.js';
import { orderHealth } from './services/health.js';
import { createOrderService } from './services/orders.js';
import { createParkedEventService } from './services/parked-events.js';
import { createReplicaCustomerService } from './services/replica-customers.js';

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

  // Stream: one connection, the stream declared on every (re)connect before the consumer subscribes.
  const streamLogger = logger.child({ component: 'stream' });
  const stream = connectDeclaredStream(config, {
    connectionName: `order-service ${instance}`,
    stream: config.STREAM_NAME,
    args: CUSTOMER_STREAM_ARGUMENTS,
    logger: streamLogger,
  });

  // The replica: kept in step with the stream by one sync (the applier behind a single active consumer).
  const replica = await createReplicaSync({
    connection: stream,
    key: { consumerName: ORDER_SERVICE_CONSUMER, stream: config.STREAM_NAME },
    db: applierDb,
    databaseUrl: config.DATABASE_URL,
    instance,
    maxBatchSize: config.APPLY_BATCH_SIZE,
    metrics,
    logger,
  });

  const customers = createCustomerLookup({ db, replica, timeoutMs: config.READ_YOUR_WRITES_TIMEOUT_MS });

  const orders = createOrderService({ db, customers, metrics });
  const app = await createHttpServer({
    logger,
    registry,
    title: 'order-service',
    description: 'Orders validated against a replica of customers fed by the RabbitMQ stream `customer`',
    version: '0.1.0',
  });
  await app.register(healthRoutes, orderHealth({ db, stream, replica }));
  await app.register(ordersRoutes, { orders });
  await app.register(replicaRoutes, { replicaCustomers: createReplicaCustomerService(db) });
  await app.register(adminRoutes, { parkedEvents: createParkedEventService(db) });

  const steps: ShutdownStep[] = [
    { name: 'http', run: () => app.close() },
    { name: 'read-your-writes waiters', run: async () => customers.close() },
    { name: 'stream consumer', run: () => replica.unsubscribe() },
    { name: 'stream connection', run: () => stream.close() },
    { name: 'replica notifications', run: () => replica.close() },
    { name: 'database pool', run: () => db.destroy() },
    { name: 'applier database pool', run: () => applierDb.destroy() },
  ];

  return {
    app,
    db,
    stream,
    start() {
      stream.start();
      replica.start();
    },
    shutdownSteps: () => steps,
    async close() {
      for (const step of steps) await step.run().catch(() => undefined);
    },
  };
}
