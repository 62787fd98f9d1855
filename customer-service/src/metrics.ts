import { groupCommitMetrics } from '@demo/service-kit';
import { Counter, Gauge, Histogram, collectDefaultMetrics, type Registry } from 'prom-client';

/** The service's own metrics (http_request_duration_seconds and /metrics come from service-kit). */
export function createMetrics(registry: Registry, pendingOutboxRows: () => Promise<number>) {
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    /** The `observe` of a write path's group commit: group_commit_{batch_size,wait_seconds,statement_seconds}{statement}. */
    groupCommit: groupCommitMetrics(registry),
    customersCreated: new Counter({ name: 'customers_created_total', help: 'Customers created', registers }),
    customersUpdated: new Counter({ name: 'customers_updated_total', help: 'Customer addresses updated', registers }),
    customersDeleted: new Counter({ name: 'customers_deleted_total', help: 'Customers deleted', registers }),
    eventsPublished: new Counter({
      name: 'events_published_total',
      help: 'Events the broker confirmed, by type',
      labelNames: ['event_type'] as const,
      registers,
    }),
    publishErrors: new Counter({
      name: 'event_publish_errors_total',
      help: 'Failed publish attempts of an outbox batch (the batch is retried)',
      registers,
    }),
    outboxPending: new Gauge({
      name: 'outbox_pending',
      help: 'Outbox rows not yet confirmed by the broker',
      registers,
      async collect() {
        try {
          this.set(await pendingOutboxRows());
        } catch {
          // database unreachable: keep the last value
        }
      },
    }),
    publishLag: new Histogram({
      name: 'outbox_publish_lag_seconds',
      help: 'From the outbox row (the change) to the broker confirm',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
