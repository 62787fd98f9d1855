import { errorMessage } from '@demo/async';
import type { Logger } from '@demo/service-kit';
import type pg from 'pg';
import { deleteExpiredKeys } from '../db/idempotency.js';

/** Most DELETE statements one cleanup runs; what is left waits for the next one. */
const MAX_BATCHES_PER_RUN = 100;

export interface IdempotencyCleanup {
  /** Runs a cleanup now and then every `intervalMs`. */
  start(): void;
  /** One cleanup: expired keys deleted `batchSize` at a time, at most MAX_BATCHES_PER_RUN statements; how many. */
  runOnce(): Promise<number>;
  /** No further cleanup; waits for the one running. */
  stop(): Promise<void>;
}

/**
 * Deletes Idempotency-Keys past their time to live, so that the table holds about one day of keys
 * however long the service runs. Every instance runs it; they skip each other's rows. Each
 * statement is bounded (`batchSize` rows), so that a large backlog never becomes one long
 * transaction that holds locks and bloats the table.
 */
export function createIdempotencyCleanup(options: {
  pool: pg.Pool;
  ttlHours: number;
  intervalMs: number;
  batchSize: number;
  logger: Logger;
}): IdempotencyCleanup {
  const { pool, ttlHours, intervalMs, batchSize, logger } = options;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;

  async function runOnce(): Promise<number> {
    let deleted = 0;
    for (let batch = 0; batch < MAX_BATCHES_PER_RUN && !stopped; batch++) {
      const count = await deleteExpiredKeys(pool, ttlHours, batchSize);
      deleted += count;
      if (count < batchSize) break;
    }
    if (deleted > 0) logger.info({ deleted, ttlHours }, 'expired idempotency keys deleted');
    return deleted;
  }

  function schedule(delayMs: number) {
    if (stopped) return;
    timer = setTimeout(() => {
      running = runOnce()
        .catch((error: unknown) => logger.warn({ err: errorMessage(error) }, 'deleting expired idempotency keys failed; trying again later'))
        .finally(() => {
          running = undefined;
          schedule(intervalMs);
        });
    }, delayMs);
    timer.unref();
  }

  return {
    start: () => schedule(0),
    runOnce,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
