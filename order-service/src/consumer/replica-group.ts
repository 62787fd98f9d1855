import type { StreamConnection } from '@demo/stream';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { ConsumerKey } from '../db/position.js';
import type { Database } from '../db/schema.js';
import type { Metrics } from '../metrics.js';
import { createBootstrapper, type BootstrapState } from './bootstrapper.js';
import { createReplicaNotifications } from './replica-notifications.js';
import { createReplicaSync, type ReplicaStatus, type ReplicaSync } from './replica-sync.js';

/** What the rest of the service sees of the consumer side: every stream that feeds the replica. */
export interface ReplicaStatusOfAll {
  /** One entry per stream: the stream itself, or each partition of a super stream. */
  partitions: ReplicaStatus[];
  /** A snapshot bootstrap this instance runs (or that failed and will be tried again). */
  bootstrap: BootstrapState | undefined;
}

export interface Replica {
  /** LISTENs, and starts every sync (each subscribes, active or standby, and checks its stream). */
  start(): void;
  status(): ReplicaStatusOfAll;
  /**
   * `listener` runs whenever the replica may hold new rows: a commit on any instance, for any
   * stream, or the LISTEN connection (re)connected (a notification may have been missed meanwhile).
   */
  onReplicaChanged(listener: () => void): void;
  /** Unsubscribes every sync, so that standbys take over; LISTEN goes on. */
  unsubscribe(): Promise<void>;
  /** Stops LISTENing and the bootstrapper (unsubscribing first when that was not done). */
  close(): Promise<void>;
}

/**
 * The replica of customers and the streams that feed it: one stream (one ReplicaSync), or a super
 * stream's partitions (one ReplicaSync each, with its own connection, single active consumer, stored
 * offset and fence: the broker spreads the active partitions over the instances). A customer's
 * events are all in one partition, so the syncs never write the same rows. They share the replica
 * notifications (one LISTEN connection) and the snapshot bootstrapper (which loads the whole
 * replica and sets every partition's offset).
 */
export async function createReplica(options: {
  streams: ReadonlyArray<{ key: ConsumerKey; connection: StreamConnection }>;
  superStream: string | undefined;
  db: Kysely<Database>;
  databaseUrl: string;
  instance: string;
  maxBatchSize: number;
  stallTimeoutMs: number;
  snapshot: { url: string | undefined; token: string | undefined };
  metrics: Metrics;
  logger: Logger;
}): Promise<Replica> {
  const { metrics, logger } = options;
  const notifications = createReplicaNotifications(options.databaseUrl, options.instance, logger);
  const bootstrapper = createBootstrapper({
    snapshotUrl: options.snapshot.url,
    token: options.snapshot.token,
    db: options.db,
    keys: options.streams.map((stream) => stream.key),
    connection: options.streams[0]!.connection,
    metrics,
    logger,
  });
  const syncs: ReplicaSync[] = [];
  for (const { key, connection } of options.streams) {
    syncs.push(
      await createReplicaSync({
        connection,
        key,
        superStream: options.superStream,
        db: options.db,
        notifications,
        bootstrapper,
        maxBatchSize: options.maxBatchSize,
        stallTimeoutMs: options.stallTimeoutMs,
        metrics,
        logger: options.superStream ? logger.child({ partition: key.stream }) : logger,
      }),
    );
  }

  return {
    start() {
      notifications.start();
      for (const sync of syncs) sync.start();
    },
    status: () => ({ partitions: syncs.map((sync) => sync.status()), bootstrap: bootstrapper.state }),
    onReplicaChanged(listener) {
      notifications.onApplied(() => listener());
      notifications.onConnected(listener);
    },
    async unsubscribe() {
      await Promise.all(syncs.map((sync) => sync.unsubscribe()));
    },
    async close() {
      bootstrapper.close();
      await Promise.all(syncs.map((sync) => sync.close()));
      await notifications.close();
    },
  };
}
