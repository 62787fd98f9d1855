import { backoffDelay, errorMessage, sleep } from '@demo/async';
import { connectionBounds } from '@demo/service-kit';
import pg from 'pg';
import type { Logger } from 'pino';
import { APPLIED_CHANNEL, REBUILD_CHANNEL } from '../db/channels.js';

export interface ReplicaNotifications {
  start(): void;
  /**
   * A replica transaction committed on some instance: `stream` and `offset` say which stream (or
   * partition) it applied and the stored offset it reached (both undefined for other changes of the
   * replica, such as an operator's retry of a parked event).
   */
  onApplied(listener: (stream: string | undefined, offset: bigint | undefined) => void): void;
  /** The replica was rebuilt (truncated, offset reset). */
  onRebuild(listener: () => void): void;
  /** (Re)connected: notifications may have been missed meanwhile. */
  onConnected(listener: () => void): void;
  close(): Promise<void>;
}

/**
 * One dedicated PostgreSQL connection per instance that LISTENs for the applier's commits and for
 * rebuilds, whichever instance made them; it reconnects with backoff.
 */
export function createReplicaNotifications(url: string, applicationName: string, logger: Logger): ReplicaNotifications {
  const applied: Array<(stream: string | undefined, offset: bigint | undefined) => void> = [];
  const rebuilt: Array<() => void> = [];
  const connectedListeners: Array<() => void> = [];
  let client: pg.Client | undefined;
  let closed = false;
  let running: Promise<void> | undefined;
  const stop = new AbortController();

  function dispatch(message: pg.Notification) {
    if (message.channel === APPLIED_CHANNEL) {
      const match = /^(\S+) (\d+)$/.exec(message.payload ?? '');
      for (const listener of applied) listener(match?.[1], match ? BigInt(match[2]!) : undefined);
    } else if (message.channel === REBUILD_CHANNEL) {
      for (const listener of rebuilt) listener();
    }
  }

  async function connectOnce(): Promise<pg.Client> {
    const fresh = new pg.Client({ connectionString: url, application_name: `${applicationName} listen`, ...connectionBounds() });
    fresh.on('error', () => undefined); // reported by the loop below once connected
    try {
      await fresh.connect();
      fresh.on('notification', dispatch);
      await fresh.query(`LISTEN ${APPLIED_CHANNEL}`);
      await fresh.query(`LISTEN ${REBUILD_CHANNEL}`);
      return fresh;
    } catch (error) {
      await fresh.end().catch(() => undefined);
      throw error;
    }
  }

  async function loop() {
    for (let attempt = 0; !closed; ) {
      try {
        const fresh = await connectOnce();
        if (closed) {
          await fresh.end().catch(() => undefined);
          return;
        }
        client = fresh;
        if (attempt > 0) logger.info('replica notifications reconnected');
        attempt = 0;
        for (const listener of connectedListeners) listener();
        await new Promise<void>((resolve) => {
          fresh.on('error', (error) => {
            logger.warn({ err: errorMessage(error) }, 'replica notifications connection failed; reconnecting');
            resolve();
          });
          fresh.once('end', () => resolve());
        });
        client = undefined;
        void fresh.end().catch(() => undefined);
        attempt = 1;
      } catch (error) {
        const delay = backoffDelay(attempt++, 200, 5_000);
        logger.warn({ err: errorMessage(error), retryInMs: delay }, 'cannot LISTEN for replica notifications; retrying');
        await sleep(delay, stop.signal);
      }
    }
  }

  return {
    start() {
      running ??= loop();
    },
    onApplied: (listener) => void applied.push(listener),
    onRebuild: (listener) => void rebuilt.push(listener),
    onConnected: (listener) => void connectedListeners.push(listener),
    async close() {
      closed = true;
      stop.abort();
      const current = client;
      client = undefined;
      await current?.end().catch(() => undefined);
      await running;
    },
  };
}
