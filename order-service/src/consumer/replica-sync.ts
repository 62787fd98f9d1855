import { backoffDelay, errorMessage, sleep, withTimeout } from '@demo/async';
import { createSingleActiveConsumer, type ConsumerRole, type StreamConnection } from '@demo/stream';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { loadPosition, type ConsumerKey, type StoredPosition } from '../db/position.js';
import type { Database } from '../db/schema.js';
import type { Metrics } from '../metrics.js';
import { createReplicaApplier } from './applier.js';
import type { Bootstrapper } from './bootstrapper.js';
import { startLagMonitor } from './lag-monitor.js';
import { createStreamGuard, type IntegrityProblem } from './stream-guard.js';
import { createProgressWatchdog } from './progress-watchdog.js';
import { prepareBatch } from './prepare-batch.js';
import type { ReplicaNotifications } from './replica-notifications.js';

export interface ReplicaStatus {
  /** The stream (or the partition of a super stream) this sync consumes. */
  stream: string;
  /** Whether this instance is the one applying the stream. */
  role: ConsumerRole;
  /** The last offset applied to the replica as this instance knows it; null when nothing is (or since a rebuild). */
  appliedOffset: bigint | null;
  /** Why this instance does not consume the stream, when it cannot do so correctly. */
  problem: IntegrityProblem | undefined;
}

/**
 * Keeps the replica in step with one stream (or one partition of a super stream): its applier, its
 * single active consumer, its stream guard, its lag monitor and watchdog, and its applied position.
 * The replica notifications and the snapshot bootstrapper are shared by the syncs of one replica
 * (see replica-group.ts).
 */
export interface ReplicaSync {
  /** Subscribes (active or standby), checks the stream, and starts the lag monitor. */
  start(): void;
  status(): ReplicaStatus;
  /** Stops the lag monitor and unsubscribes, so that a standby takes over. */
  unsubscribe(): Promise<void>;
  /** Unsubscribes when that was not done, and stops checking the stream. */
  close(): Promise<void>;
}

export interface ReplicaSyncOptions {
  /** The connection the stream is declared on (not started or closed here). */
  connection: StreamConnection;
  /** The stream, and the consumer name every instance shares on it. */
  key: ConsumerKey;
  /** When `key.stream` is a partition of this super stream (see lib/stream's single active consumer). */
  superStream?: string | undefined;
  /** The applier's pool (not closed here). */
  db: Kysely<Database>;
  /** Shared by the syncs of the replica: started and closed by their group. */
  notifications: ReplicaNotifications;
  bootstrapper: Bootstrapper;
  maxBatchSize: number;
  /** An active instance whose applied offset has not moved for this long while the stream grew steps down. */
  stallTimeoutMs: number;
  metrics: Metrics;
  logger: Logger;
}

/** How long a resubscription (unsubscribe, then subscribe and the broker's answer) may take before the connection starts over. */
const RESUBSCRIBE_TIMEOUT_MS = 20_000;

/**
 * The applier behind a single active consumer, the replica notifications and the lag monitor, and
 * the applied position they all move: the active instance learns it from its own commits, a
 * standby from the applier's notifications, and a rebuild (announced, or found by the fence)
 * resets it and makes the active instance resubscribe to replay the stream.
 */
export async function createReplicaSync(options: ReplicaSyncOptions): Promise<ReplicaSync> {
  const { connection, key, metrics, logger } = options;
  const applier = createReplicaApplier({ db: options.db, key, metrics, logger });
  const { notifications, bootstrapper } = options;
  const partition = { partition: key.stream };
  let appliedOffset = (await loadPosition(options.db, key)).lastOffset;
  metrics.consumerActive.set(partition, 0);

  const guard = createStreamGuard({ connection, key, db: options.db, metrics, logger });
  guard.onRestored(() => resubscribe('stream integrity restored'));
  bootstrapper.onDone(() => void guard.checkNow().then(() => resubscribe('replica bootstrapped from a snapshot')));

  /**
   * Outside a promotion (at start, after a rebuild or another instance's bootstrap): checks the
   * stream, and bootstraps when the replica needs it; an instance that stood down while it could not
   * consume joins the group again once it can (a standby must stay subscribed to take over).
   */
  function reconsider(why: string) {
    void loadPosition(options.db, key)
      .then(async (position) => {
        if (position.bootstrapping) return bootstrapper.run();
        await guard.checkNow();
        if (bootstrapper.wanted(position, guard.problem)) bootstrapper.run();
        else if (!guard.problem && !consumer.isSubscribed) resubscribe(`${why}: this instance can consume again`);
      })
      .catch((error: unknown) => logger.warn({ err: errorMessage(error), why }, 'checking the stream failed'));
  }

  /** On promotion: whether to consume, and whether the replica needs a snapshot first. */
  async function admit(position: StoredPosition): Promise<bigint | 'first' | 'stand-down'> {
    if (position.bootstrapping) {
      bootstrapper.run();
      return 'stand-down';
    }
    const from = await guard.admit(position);
    if (from === 'stand-down' && bootstrapper.wanted(position, guard.problem)) bootstrapper.run();
    return from;
  }

  const consumer = createSingleActiveConsumer(connection, {
    stream: key.stream,
    ...(options.superStream ? { superStream: options.superStream } : {}),
    consumerRef: key.consumerName,
    resumeFrom: async () => {
      const position = await applier.reload();
      appliedOffset = position.lastOffset;
      return admit(position);
    },
    prepareBatch: (messages) => prepareBatch(messages),
    handleBatch: async (messages, prepared) => {
      const outcome = await applier.handleBatch(messages, prepared);
      if (outcome === 'rebuilt') return resubscribe('replica rebuilt');
      appliedOffset = applier.position?.lastOffset ?? null;
      if (outcome === 'applied') rewinds = 0;
      // Backoff: a rewind that repeats at once means the stream does not have what is needed.
      else resubscribe('stored offset moved back: applying again from it', backoffDelay(rewinds++, 100, 5_000));
    },
    onRoleChange: (role) => {
      metrics.consumerActive.set(partition, role === 'active' ? 1 : 0);
      watchdog.reset();
    },
    maxBatchSize: options.maxBatchSize,
    logger: logger.child({ component: 'stream' }),
  });
  const status = (): ReplicaStatus => ({ stream: key.stream, role: consumer.role, appliedOffset, problem: guard.problem });

  // Stuck while active (a hung connection, a bug): step down, so that a standby takes over.
  const watchdog = createProgressWatchdog(options.stallTimeoutMs);
  function onSample(tail: bigint, applied: bigint | null) {
    if (!watchdog.stalled(tail, applied)) return;
    watchdog.reset();
    metrics.consumerStepDowns.inc(partition);
    logger.warn({ applied: String(applied), tail: String(tail), stallMs: options.stallTimeoutMs }, 'no progress while the stream grew: stepping down');
    resubscribe('no progress while the stream grew');
  }

  let rewinds = 0;
  let resubscribing: Promise<void> | undefined;
  function resubscribe(reason: string, delayMs = 0) {
    if (resubscribing) return;
    // Bounded: while one runs, every later reason to resubscribe is dropped, so one that never
    // settled would leave this instance out of the group for good (seen once after a snapshot
    // bootstrap: neither instance active). On timeout the connection starts over, and its ready
    // hook subscribes again.
    resubscribing = sleep(delayMs)
      .then(() => withTimeout(consumer.resubscribe(reason), RESUBSCRIBE_TIMEOUT_MS, 'resubscribing'))
      .catch((error: unknown) => {
        logger.warn({ err: errorMessage(error) }, 'resubscribing failed; reconnecting the stream');
        connection.reconnect(`resubscribe failed: ${errorMessage(error)}`);
      })
      .finally(() => {
        resubscribing = undefined;
      });
  }

  notifications.onApplied((stream, offset) => {
    if (stream === key.stream && offset !== undefined && consumer.role === 'standby') appliedOffset = offset;
  });
  notifications.onRebuild(() => {
    logger.info({ role: consumer.role }, 'replica rebuild announced');
    appliedOffset = null;
    if (consumer.role === 'active') resubscribe('replica rebuilt');
    // A rebuild or a bootstrap (here or elsewhere) began or ended: what this instance may do has changed.
    else if (!bootstrapper.state?.running) reconsider('replica rebuilt');
  });
  // A rebuild announced while the LISTEN connection was down: the active instance finds out here.
  notifications.onConnected(() => {
    if (consumer.role !== 'active') return;
    void applier
      .isStale()
      .then((stale) => stale && resubscribe('replica rebuilt while notifications were down'))
      .catch(() => undefined);
  });

  let stopLagMonitor: (() => void) | undefined;
  let unsubscribed: Promise<void> | undefined;
  function unsubscribe() {
    unsubscribed ??= (async () => {
      stopLagMonitor?.();
      await consumer.close();
    })();
    return unsubscribed;
  }

  return {
    start() {
      consumer.start();
      reconsider('start');
      stopLagMonitor = startLagMonitor({ connection, stream: key.stream, status, metrics, logger, onSample });
    },
    status,
    unsubscribe,
    async close() {
      guard.close();
      await unsubscribe().catch(() => undefined);
    },
  };
}
