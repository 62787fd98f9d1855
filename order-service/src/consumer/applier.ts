import { isDatabaseUnavailable } from '@demo/service-kit';
import type { StreamMessage } from '@demo/stream';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { applyBatch } from '../db/apply-batch.js';
import { loadPosition, type ConsumerKey, type StoredPosition } from '../db/position.js';
import type { Database } from '../db/schema.js';
import type { Metrics } from '../metrics.js';
import { prepareBatch, type PreparedBatch } from './prepare-batch.js';
import { fingerprintOf } from '../domain/stream-integrity.js';

export interface ReplicaApplierOptions {
  db: Kysely<Database>;
  key: ConsumerKey;
  metrics: Metrics;
  logger: Logger;
}

export interface ReplicaApplier {
  /** On promotion: reads the stored position (from which the consumer resumes) and applies from it on. */
  reload(): Promise<StoredPosition>;
  /**
   * Applies a batch of consecutive messages in one transaction, fenced by the stored position.
   * `prepared`: prepareBatch's result for these messages, if it ran ahead. 'applied': `position`
   * now covers them. 'rebuilt': the stored generation changed under us (a rebuild), nothing was
   * written, and the consumer must resubscribe to replay the stream from its first offset.
   * 'rewound': the stored offset is behind this instance's position (a database crash lost the
   * last asynchronous commits): `position` is reloaded, nothing was written, and the consumer must
   * resubscribe to apply again from the stored offset.
   */
  handleBatch(messages: StreamMessage[], prepared?: PreparedBatch): Promise<BatchOutcome>;
  /** True when a rebuild happened since this instance last read its position. */
  isStale(): Promise<boolean>;
  readonly position: StoredPosition | undefined;
}

export type BatchOutcome = 'applied' | 'rebuilt' | 'rewound';

class Fenced extends Error {}

/** A batch failing this often for a reason other than an unreachable database is applied one event at a time. */
const ATTEMPTS_BEFORE_ISOLATING = 3;

/**
 * The consumer side of the replica: decode → park poison → fold → one statement that moves the
 * stored offset (compare-and-set, the fence) and upserts the folded rows (with the poison events
 * parked in the same transaction when there are any) and notifies waiting readers. A fenced batch
 * writes nothing.
 */
export function createReplicaApplier(options: ReplicaApplierOptions): ReplicaApplier {
  const { db, key, metrics, logger } = options;
  let position: StoredPosition | undefined;
  let failedAttempts = 0;
  let rewound = false;

  async function applyOnce(expected: StoredPosition, messages: StreamMessage[], prepared: PreparedBatch) {
    const started = performance.now();
    const { events, parked, rows } = prepared;
    const last = messages[messages.length - 1]!.offset;

    const fingerprint = fingerprintOf(messages[messages.length - 1]!.body);
    if (!(await applyBatch(db, key, expected, { last, fingerprint, rows, parked }))) throw new Fenced();

    const committedAt = Date.now();
    position = { ...expected, lastOffset: last, lastFingerprint: fingerprint };
    for (const { event } of events) {
      metrics.customersProcessed.inc({ event_type: event.type });
      metrics.replicationLag.observe(Math.max(0, committedAt - Date.parse(event.data.timestamp)) / 1000);
    }
    for (const event of parked) {
      metrics.eventsParked.inc();
      metrics.eventErrors.inc();
      logger.warn(
        { offset: String(event.offset), event_id: event.eventId, event_type: event.eventType, reason: event.reason, detail: event.detail },
        'poison event parked',
      );
    }
    metrics.applyBatchSize.observe(messages.length);
    metrics.applyBatchDuration.observe((performance.now() - started) / 1000);
    logger.debug({ from: String(messages[0]!.offset), to: String(last), events: events.length, parked: parked.length }, 'batch applied');
  }

  /**
   * The batch keeps failing although the database answers: apply its events one at a time and
   * park (reason apply_failed) each one the database refuses, so that one bad event never
   * stalls the replica. A Fenced or an unreachable database still goes back to the caller.
   */
  async function isolate(messages: StreamMessage[]) {
    logger.warn({ from: String(messages[0]?.offset), size: messages.length }, 'batch keeps failing; applying its events one by one');
    for (const message of messages) {
      const expected = position;
      if (!expected) throw new Error('isolate before reload');
      if (expected.lastOffset !== null && message.offset <= expected.lastOffset) continue;
      try {
        await applyOnce(expected, [message], prepareBatch([message]));
      } catch (error) {
        if (error instanceof Fenced || isDatabaseUnavailable(error)) throw error;
        const detail = `the database refused it: ${(error as Error).message}`;
        await applyOnce(expected, [message], prepareBatch([message], { detail }));
      }
    }
  }

  return {
    get position() {
      return position;
    },

    async reload() {
      position = await loadPosition(db, key);
      rewound = false;
      return position;
    },

    async isStale() {
      if (!position) return false;
      return (await loadPosition(db, key)).generation !== position.generation;
    },

    async handleBatch(messages, prepared) {
      // After a rewind, the batches already delivered start past the stored offset: none of them
      // is applied until the consumer resumed from the stored offset (reload).
      if (rewound) return 'rewound';
      for (;;) {
        const expected = position;
        if (!expected) throw new Error('handleBatch before reload');
        const applied = expected.lastOffset;
        const fresh = applied === null || messages[0]!.offset > applied ? messages : messages.filter((m) => m.offset > applied);
        if (fresh.length === 0) return 'applied';
        try {
          if (failedAttempts >= ATTEMPTS_BEFORE_ISOLATING) await isolate(fresh);
          else await applyOnce(expected, fresh, fresh === messages && prepared ? prepared : prepareBatch(fresh));
          failedAttempts = 0;
          return 'applied';
        } catch (error) {
          if (!(error instanceof Fenced)) {
            metrics.eventErrors.inc();
            if (!isDatabaseUnavailable(error)) failedAttempts++;
            throw error;
          }
        }
        // Fenced: someone else moved the stored position. Find out who, and never commit over it.
        const current = await loadPosition(db, key);
        if (current.generation !== expected.generation) {
          logger.info({ generation: current.generation }, 'replica was rebuilt; replaying from the first offset');
          return 'rebuilt';
        }
        if (current.lastOffset !== null && (expected.lastOffset === null || current.lastOffset > expected.lastOffset)) {
          logger.warn(
            { expected: String(expected.lastOffset), stored: String(current.lastOffset) },
            'another instance applied ahead of this one; skipping what it applied',
          );
          position = current;
          continue;
        }
        logger.warn(
          { expected: String(expected.lastOffset), stored: String(current.lastOffset) },
          'stored offset is behind this instance (the database lost its last commits); applying again from it',
        );
        position = current;
        rewound = true;
        return 'rewound';
      }
    },
  };
}
