import { backoffDelay, errorMessage, sleep } from '@demo/async';
import { connectionBounds, type Logger } from '@demo/service-kit';
import type { StreamConnection } from '@demo/stream';
import pg from 'pg';
import type { Metrics } from '../metrics.js';
import { outboxQueries, RELAY_SESSION, type OutboxRow } from './outbox-queries.js';
import { createStreamSink, type StreamSink } from './stream-sink.js';
import type { OutboxSignal } from './signal.js';

export type RelayRole = 'active' | 'standby';

export interface RelayOptions {
  databaseUrl: string;
  connection: StreamConnection;
  stream: string;
  /** 1: `stream` is a stream; more: it is a super stream of that many partitions. */
  partitions: number;
  /** Fixed: the broker deduplicates per (stream, publisherRef). */
  publisherRef: string;
  batchSize: number;
  pollMs: number;
  lockRetryMs: number;
  signal: OutboxSignal;
  metrics: Metrics;
  logger: Logger;
  instance: string;
}

export interface Relay {
  start(): void;
  /** Finishes the cycle in hand, releases the lock and returns. */
  stop(): Promise<void>;
  readonly role: RelayRole;
  /** Active and its publisher declared on the current stream connection: it can publish now. */
  readonly canPublish: boolean;
}

class PublishFailed extends Error {}

/**
 * Publishes outbox rows to the stream, oldest first, and deletes them once the broker confirmed
 * them. Exactly one instance is active: the one holding the advisory lock on its own session.
 * Each step is one commit: delete the confirmed batch, pick the next and record its publishing
 * ids (outboxQueries.advance); then send it and wait for the broker's confirmation.
 */
export function createRelay(options: RelayOptions): Relay {
  const { logger, metrics } = options;
  const stopping = new AbortController();
  let role: RelayRole = 'standby';
  let running: Promise<void> | undefined;
  /** The publisher of the leadership in hand (none while standby). */
  let activePublisher: StreamSink | undefined;

  function setRole(next: RelayRole) {
    if (role === next) return;
    role = next;
    logger.info({ relay: role }, `outbox relay is now ${role}`);
  }

  async function run() {
    for (let attempt = 0; !stopping.signal.aborted; attempt++) {
      const client = new pg.Client({
        connectionString: options.databaseUrl,
        application_name: `customer-service relay ${options.instance}`,
        // Bounded like every session: a relay whose connection died unseen (half-open) loses its
        // session, and with it the advisory lock, in about 25 s, so that another instance leads.
        ...connectionBounds(RELAY_SESSION),
      });
      let broken: Error | undefined;
      client.on('error', (error) => {
        broken = error;
      });
      try {
        await client.connect();
        while (!stopping.signal.aborted) {
          if (await outboxQueries.tryLock(client)) break;
          await sleep(options.lockRetryMs, stopping.signal);
        }
        if (stopping.signal.aborted) break;
        attempt = 0;
        setRole('active');
        await lead(client, () => broken);
      } catch (error) {
        if (stopping.signal.aborted) break;
        const delay = backoffDelay(attempt, 200, options.lockRetryMs * 2);
        logger.warn({ err: errorMessage(error), retryInMs: delay }, 'outbox relay lost its database session; retrying');
        await sleep(delay, stopping.signal);
      } finally {
        setRole('standby');
        await client.end().catch(() => undefined); // ends the session: releases the lock
      }
    }
  }

  /** While holding the lock: publish until stopped; a database error ends the leadership. */
  async function lead(client: pg.Client, broken: () => Error | undefined) {
    const publisher = createStreamSink(options.connection, {
      stream: options.stream,
      partitions: options.partitions,
      publisherRef: options.publisherRef,
      logger,
    });
    activePublisher = publisher;
    let next: bigint | undefined;
    /** Ids of the batch the broker confirmed, deleted by the next step (or on the way out). */
    let confirmed: string[] = [];
    try {
      for (let failures = 0; !stopping.signal.aborted; ) {
        const fault = broken();
        if (fault) throw fault;
        try {
          let rows: OutboxRow[];
          if (next === undefined) {
            // (Re)starting: first the recorded batch, sent before but perhaps not confirmed.
            next = await resumePoint(client, publisher);
            rows = await outboxQueries.inFlight(client);
            if (rows.length === 0) continue; // nothing to resend: on to the next rows at once
          } else {
            ({ rows, next } = await outboxQueries.advance(client, confirmed, next, options.batchSize));
          }
          confirmed = [];
          if (rows.length === 0) {
            await options.signal.wait(options.pollMs, stopping.signal);
            continue;
          }
          await send(publisher, rows);
          confirmed = rows.map((row) => row.id);
          failures = 0;
        } catch (error) {
          if (!(error instanceof PublishFailed)) throw error;
          if (stopping.signal.aborted) break; // interrupted by stop(): not a failure
          metrics.publishErrors.inc();
          next = undefined; // ask the broker again once it is back, and resend the recorded batch
          const delay = backoffDelay(failures++, 100, 2_000);
          logger.warn({ err: error.message, retryInMs: delay }, 'publishing outbox rows failed; they will be sent again');
          await sleep(delay, stopping.signal);
        }
      }
      if (confirmed.length > 0 && !broken()) await outboxQueries.remove(client, confirmed);
    } finally {
      activePublisher = undefined;
      await publisher.close();
    }
  }

  /** Next publishing id: above both what the broker stored and what earlier relays recorded. */
  async function resumePoint(client: pg.Client, publisher: StreamSink): Promise<bigint> {
    let brokerLast: bigint;
    try {
      await options.connection.ready(stopping.signal);
      // The publisher is declared by the connection's ready hook, shortly after it is created.
      for (let waited = 0; ; waited += 50) {
        try {
          brokerLast = await publisher.lastPublishingId();
          break;
        } catch (error) {
          if (waited >= 5_000 || stopping.signal.aborted) throw error;
          await sleep(50, stopping.signal);
        }
      }
    } catch (error) {
      throw new PublishFailed(`broker not ready: ${errorMessage(error)}`);
    }
    const recorded = await outboxQueries.lastRecorded(client);
    const next = (brokerLast > recorded ? brokerLast : recorded) + 1n;
    logger.info({ brokerLast: brokerLast.toString(), recorded: recorded.toString(), next: next.toString() }, 'outbox relay resumes');
    return next;
  }

  /** Publishes one batch and waits for the broker's confirmation of all of it. */
  async function send(publisher: StreamSink, rows: OutboxRow[]) {
    try {
      await publisher.publish(rows);
    } catch (error) {
      throw new PublishFailed(errorMessage(error));
    }
    const confirmedAt = Date.now();
    for (const row of rows) {
      metrics.eventsPublished.inc({ event_type: row.event_type });
      metrics.publishLag.observe(Math.max(0, confirmedAt - row.created_at.getTime()) / 1000);
    }
    logger.debug({ count: rows.length, last: rows.at(-1)?.publishing_id }, 'outbox rows published');
  }

  return {
    start() {
      running ??= run().catch((error: unknown) => logger.error({ err: errorMessage(error) }, 'outbox relay stopped'));
    },
    async stop() {
      stopping.abort();
      await running;
    },
    get role() {
      return role;
    },
    get canPublish() {
      return role === 'active' && activePublisher?.isReady === true;
    },
  };
}
