import { groupCommitMetrics } from '@demo/service-kit';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Every metric of order-service (besides http_request_duration_seconds from service-kit). */
export function createMetrics(registry: Registry) {
  const registers = [registry];
  return {
    /** The `observe` of a write path's group commit: group_commit_{batch_size,wait_seconds,statement_seconds}{statement}. */
    groupCommit: groupCommitMetrics(registry),
    ordersCreated: new Counter({
      name: 'orders_created_total',
      help: 'Orders created, by status',
      labelNames: ['status'] as const,
      registers,
    }),
    readYourWritesWaiters: new Gauge({
      name: 'read_your_writes_waiters',
      help: 'Orders waiting now for a customer the replica does not have yet (at most READ_YOUR_WRITES_MAX_WAITERS)',
      registers,
    }),
    readYourWritesRefused: new Counter({
      name: 'read_your_writes_refused_total',
      help: 'Orders for a customer the replica did not have, answered unknown at once because READ_YOUR_WRITES_MAX_WAITERS were waiting',
      registers,
    }),
    customersProcessed: new Counter({
      name: 'customers_processed_total',
      help: 'Customer events applied to the replica (committed), by event type',
      labelNames: ['event_type'] as const,
      registers,
    }),
    eventErrors: new Counter({
      name: 'customer_event_errors_total',
      help: 'Customer events that could not be applied: poison events plus events of failed (retried) batch attempts',
      registers,
    }),
    eventsParked: new Counter({
      name: 'customer_events_parked_total',
      help: 'Poison events written to parked_events',
      registers,
    }),
    consumerActive: new Gauge({
      name: 'stream_consumer_active',
      help: '1 when this instance is the active consumer of the customer stream, 0 on a standby',
      labelNames: ['partition'] as const,
      registers,
    }),
    integrityOk: new Gauge({
      name: 'replica_integrity_ok',
      help: '0 while this instance does not consume because the stream no longer holds what the replica needs (a gap, or a stream declared again), else 1',
      labelNames: ['partition'] as const,
      registers,
    }),
    bootstrapRows: new Counter({
      name: 'replica_bootstrap_rows_total',
      help: 'Customers loaded into the replica from customer-service snapshots',
      registers,
    }),
    bootstrapSeconds: new Gauge({
      name: 'replica_bootstrap_last_seconds',
      help: 'How long the last snapshot bootstrap of this instance took',
      registers,
    }),
    consumerStepDowns: new Counter({
      name: 'stream_consumer_step_downs_total',
      help: 'Times this instance gave up being active because it made no progress while the stream grew',
      labelNames: ['partition'] as const,
      registers,
    }),
    consumerLag: new Gauge({
      name: 'stream_consumer_lag_events',
      help: 'Estimated events between the stream tail and the applied offset (active instance)',
      labelNames: ['partition'] as const,
      registers,
    }),
    replicationLag: new Histogram({
      name: 'replication_lag_seconds',
      help: 'From the event timestamp to the commit of the replica transaction that applied it',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    }),
    applyBatchSize: new Histogram({
      name: 'apply_batch_size',
      help: 'Messages per applied batch (one transaction)',
      buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500],
      registers,
    }),
    applyBatchDuration: new Histogram({
      name: 'apply_batch_duration_seconds',
      help: 'Time to apply one batch: decode, fold and commit',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
