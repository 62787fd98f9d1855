import { backoffDelay, errorMessage } from '@demo/async';
import type { StreamConnection } from '@demo/stream';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { ConsumerKey, StoredPosition } from '../db/position.js';
import type { Database } from '../db/schema.js';
import type { Metrics } from '../metrics.js';
import { bootstrapFromSnapshot, type BootstrapProgress } from './bootstrap.js';
import type { IntegrityProblem } from './stream-guard.js';

export interface BootstrapState extends BootstrapProgress {
  running: boolean;
  /** Why the last attempt failed (it is tried again later). */
  error: string | undefined;
}

/**
 * Decides when this instance loads the replica from a snapshot, runs it in the background (one
 * attempt at a time; across instances the database lock decides), and retries a failed attempt
 * with backoff: a snapshot cut short, customer-service down, a bad line.
 */
export interface Bootstrapper {
  /**
   * Whether the replica needs a snapshot: one was asked for (a rebuild --from-snapshot) or cut
   * short by a crash, or a fresh replica (nothing applied since it was emptied or bootstrapped)
   * finds the stream's first events gone.
   */
  wanted(position: StoredPosition, problem: IntegrityProblem | undefined): boolean;
  /** Starts a bootstrap unless one runs here already. */
  run(): void;
  /** Present while a bootstrap runs here or after one failed. */
  readonly state: BootstrapState | undefined;
  /** Called when a bootstrap here loaded the replica (not when another instance bootstraps: its end is announced as a rebuild). */
  onDone(listener: () => void): void;
  close(): void;
}

export function createBootstrapper(options: {
  db: Kysely<Database>;
  /** Every stream that feeds the replica: the stream, or each partition of a super stream. */
  keys: readonly ConsumerKey[];
  connection: StreamConnection;
  snapshotUrl: string | undefined;
  token: string | undefined;
  metrics: Metrics;
  logger: Logger;
}): Bootstrapper {
  const { logger } = options;
  const stopping = new AbortController();
  const done: Array<() => void> = [];
  let state: BootstrapState | undefined;
  let failures = 0;
  let retry: NodeJS.Timeout | undefined;

  async function attempt() {
    if (!options.snapshotUrl) {
      state = { running: false, loaded: 0, total: undefined, error: 'no snapshot source (CUSTOMER_SNAPSHOT_URL is empty)' };
      return;
    }
    state = { running: true, loaded: 0, total: undefined, error: undefined };
    try {
      const outcome = await bootstrapFromSnapshot({
        db: options.db,
        keys: options.keys,
        connection: options.connection,
        snapshotUrl: options.snapshotUrl,
        token: options.token,
        progress: state,
        signal: stopping.signal,
        logger,
      });
      if (outcome.kind === 'done') {
        options.metrics.bootstrapRows.inc(outcome.loaded);
        options.metrics.bootstrapSeconds.set(outcome.seconds);
        failures = 0;
        state = undefined;
        for (const listener of done) listener();
        return;
      }
      // Another instance holds the lock (it bootstraps), or a rebuild superseded this attempt. Not
      // done: the instance that bootstraps announces its end (a rebuild notification), and this one
      // reconsiders then. Telling the listeners now made a standby resubscribe, get promoted, find
      // the replica still bootstrapping and stand down, dozens of times a second.
      logger.info({ outcome: outcome.kind }, 'snapshot bootstrap not done here');
      state = undefined;
    } catch (error) {
      if (stopping.signal.aborted) return;
      const delay = backoffDelay(failures++, 2_000, 30_000);
      state = { running: false, loaded: state?.loaded ?? 0, total: state?.total, error: errorMessage(error) };
      logger.error({ err: errorMessage(error), retryInMs: delay }, 'snapshot bootstrap failed; the replica stays not ready and it is tried again');
      retry = setTimeout(() => run(), delay);
      retry.unref();
    }
  }

  function run() {
    if (state?.running || stopping.signal.aborted) return;
    clearTimeout(retry);
    void attempt();
  }

  return {
    wanted(position, problem) {
      if (position.bootstrapping) return true;
      if (problem?.kind !== 'stream_gap') return false;
      const fresh =
        position.lastOffset === null ||
        (position.bootstrappedFrom !== null && position.lastFingerprint === null && position.lastOffset === position.bootstrappedFrom - 1n);
      return fresh;
    },
    run,
    get state() {
      return state;
    },
    onDone(listener) {
      done.push(listener);
    },
    close() {
      stopping.abort();
      clearTimeout(retry);
    },
  };
}
