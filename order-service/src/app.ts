import { ORDER_SERVICE_CONSUMER } from '@demo/contract';
import { errorMessage } from '@demo/async';
import { createHttpServer, healthRoutes, openDatabase, poolMinimum, type Logger, type RunningService } from '@demo/service-kit';
import { connectBroker, partitionStreams, requirePartition, requireStream } from '@demo/stream';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { Config } from './config.js';
import { createReplica } from './consumer/replica-group.js';
import { createApplierDatabase } from './db/applier-database.js';
import { migrations } from './db/migrations/index.js';
import { replicaCustomerQueries } from './db/replica.js';
import type { Database } from './db/schema.js';
import { createMetrics } from './metrics.js';
import { adminRoutes } from './routes/admin.js';
import { parkedEventActionRoutes } from './routes/admin/parked-events-actions.js';
import { ordersRoutes } from './routes/orders/index.js';
import { replicaRoutes } from './routes/replica.js';
import { createCustomerLookup } from './services/customer-lookup.js';
import { orderHealth } from './services/health.js';
import { createOrderService } from './services/orders.js';
import { createParkedEventActions } from './services/parked-event-actions.js';
import { createParkedEventService } from './services/parked-events.js';
import { createReplicaCustomerService } from './services/replica-customers.js';

/** Composition root: the infrastructure, the replica sync, the services and the routes, for runService. */
export async function buildApp(config: Config, logger: Logger, instance: string): Promise<RunningService> {
  const { db } = await openDatabase<Database>({
    url: config.DATABASE_URL,
    poolSize: config.DATABASE_POOL_SIZE,
    applicationName: instance,
    migrations,
    logger,
  });
  const applierDb = createApplierDatabase({ url: config.DATABASE_URL, applicationName: `${instance} applier`, logger });
  // order-service only reads the stream (its broker account may not declare it): customer-service,
  // its writer, declares it; until then a connection waits, and /ready says the stream is down.
  // A super stream's partitions get a connection each: a leader move of one partition (which closes
  // its consumers) leaves the others consuming.
  const partitioned = config.STREAM_PARTITIONS > 1;
  const streams = (partitioned ? partitionStreams(config.STREAM_NAME, config.STREAM_PARTITIONS) : [config.STREAM_NAME]).map((name) => {
    const connection = connectBroker(config, { connectionName: `order-service ${instance} ${name}`, logger: logger.child({ component: 'stream' }) });
    connection.onReady((client) => (partitioned ? requirePartition(client, config.STREAM_NAME, name) : requireStream(client, name)));
    return { key: { consumerName: ORDER_SERVICE_CONSUMER, stream: name }, connection };
  });
  const connections = streams.map((stream) => stream.connection);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics = createMetrics(registry);

  const replica = await createReplica({
    streams,
    superStream: partitioned ? config.STREAM_NAME : undefined,
    db: applierDb,
    databaseUrl: config.DATABASE_URL,
    instance,
    maxBatchSize: config.APPLY_BATCH_SIZE,
    stallTimeoutMs: config.APPLY_STALL_TIMEOUT_MS,
    // customer-service's snapshot route is an operator's: the same token unless one of its own is given.
    snapshot: { url: config.CUSTOMER_SNAPSHOT_URL || undefined, token: config.SNAPSHOT_TOKEN ?? config.OPERATOR_TOKEN },
    metrics,
    logger,
  });
  const customers = createCustomerLookup({
    queries: replicaCustomerQueries(db),
    replica,
    timeoutMs: config.READ_YOUR_WRITES_TIMEOUT_MS,
    maxWaiters: config.READ_YOUR_WRITES_MAX_WAITERS,
    metrics,
  });

  const http = await createHttpServer({
    logger,
    registry,
    settings: config,
    title: 'order-service',
    description: 'Orders validated against a replica of customers fed by the RabbitMQ stream `customer`',
    version: '0.1.0',
  });
  await http.register(healthRoutes, orderHealth({ db, connections, replica }));
  const orders = createOrderService({ db, customers, metrics });
  // Before the first order, on the sessions the pool keeps: not fatal (the first orders are then slower).
  await orders.warm(poolMinimum({ poolSize: config.DATABASE_POOL_SIZE })).catch((error: unknown) =>
    logger.warn({ err: errorMessage(error) }, 'the order path could not be prepared; the first orders will be slower'),
  );
  await http.register(ordersRoutes, { orders });
  await http.register(replicaRoutes, { replicaCustomers: createReplicaCustomerService(db) });
  await http.register(adminRoutes, { parkedEvents: createParkedEventService(db) });
  await http.register(parkedEventActionRoutes, { actions: createParkedEventActions(db) });

  return {
    http,
    start() {
      for (const connection of connections) connection.start();
      replica.start();
    },
    shutdownSteps: [
      { name: 'http', run: () => http.close() },
      { name: 'read-your-writes waiters', run: async () => customers.close() },
      { name: 'stream consumer', run: () => replica.unsubscribe() },
      { name: 'stream connections', run: async () => void (await Promise.all(connections.map((connection) => connection.close()))) },
      { name: 'replica notifications', run: () => replica.close() },
      { name: 'database pool', run: () => db.destroy() },
      { name: 'applier database pool', run: () => applierDb.destroy() },
    ],
    fatal: Promise.race(connections.map((connection) => connection.fatal)),
  };
}
