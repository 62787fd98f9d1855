import { decodeEvent } from '@demo/contract';
import type { StreamMessage } from '@demo/stream';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { advancePosition, loadPosition, type ConsumerKey, type StoredPosition } from '../db/consumer-offsets.js';
import { insertParkedEvents, type ParkedEvent } from '../db/parked-events.js';
import { upsertReplicaRows } from '../db/replica.js';
import type { Database } from '../db/schema.js';
import { foldEvents, type PositionedEvent } from '../domain/replica-fold.js';
import type { Metrics } from '../metrics.js';

export interface ReplicaApplierOptions {
  db: Kysely<Database>;
  key: ConsumerKey;
  metrics: Metrics;
  logger: Logger;
  /** The stored generation changed under us (a rebuild): the consumer must resubscribe to replay. */
  onRebuildDetected(reason: string): void;
  /** A batch committed: the stored offset is now `offset`. */
  onApplied?(offset: bigint): void;
}

export interface ReplicaApplier {
  /** For the stream consumer on promotion: reads the stored position and says where to resume. */
  resumeFrom(): Promise<bigint | 'first'>;
  /** Applies a batch of consecutive messages in one transaction, fenced by the stored position. */
  handleBatch(messages: StreamMessage[]): Promise<void>;
  /** True when a rebuild happened since this instance last read its position. */
  isStale(): Promise<boolean>;
  readonly position: StoredPosition | undefined;
}

class Fenced extends Error {}

/**
 * The consumer side of the replica: decode → park poison → fold → one transaction that first
 * moves the stored offset (compare-and-set, the fence), then upserts the folded rows, parks the
 * poison events and notifies waiting readers. A fenced batch is rolled back, never committed.
 */
export function createReplicaApplier(options: ReplicaApplierOptions): ReplicaApplier {
  const { db, key, metrics, logger } = options;
  let position: StoredPosition | undefined;

  async function applyOnce(expected: StoredPosition, messages: StreamMessage[]) {
    const started = performance.now();
    const events: PositionedEvent[] = [];
    const parked: ParkedEvent[] = [];
    for (const message of messages) {
      const decoded = decodeEvent(message.body, message.annotations);
      if (decoded.ok) {
        events.push({ offset: message.offset, event: decoded.event });
      } else {
        parked.push({
          offset: message.offset,
          eventId: decoded.eventId,
          eventType: decoded.eventType,
          reason: decoded.reason,
          detail: decoded.detail,
          body: message.body,
          annotations: message.annotations,
        });
      }
    }
    const rows = [...foldEvents(events).values()];
    const last = messages[messages.length - 1]!.offset;

    await db.transaction().execute(async (trx) => {
      if (!(await advancePosition(trx, key, expected, last))) throw new Fenced();
      await upsertReplicaRows(trx, rows);
      await insertParkedEvents(trx, parked);
    });

    const committedAt = Date.now();
    position = { lastOffset: last, generation: expected.generation };
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
    options.onApplied?.(last);
  }

  return {
    get position() {
      return position;
    },

    async resumeFrom() {
      position = await loadPosition(db, key);
      return position.lastOffset === null ? 'first' : position.lastOffset + 1n;
    },

    async isStale() {
      if (!position) return false;
      return (await loadPosition(db, key)).generation !== position.generation;
    },

    async handleBatch(messages) {
      for (;;) {
        const expected = position;
        if (!expected) throw new Error('handleBatch before resumeFrom');
        const fresh = expected.lastOffset === null ? messages : messages.filter((m) => m.offset > expected.lastOffset!);
        if (fresh.length === 0) return;
        try {
          await applyOnce(expected, fresh);
          return;
        } catch (error) {
          if (!(error instanceof Fenced)) {
            metrics.eventErrors.inc();
            throw error;
          }
        }
        // Fenced: someone else moved the stored position. Find out who, and never commit over it.
        const current = await loadPosition(db, key);
        if (current.generation !== expected.generation) {
          logger.info({ generation: current.generation }, 'replica was rebuilt; replaying from the first offset');
          options.onRebuildDetected('replica rebuilt');
          return;
        }
        if (current.lastOffset !== null && (expected.lastOffset === null || current.lastOffset > expected.lastOffset)) {
          logger.warn(
            { expected: String(expected.lastOffset), stored: String(current.lastOffset) },
            'another instance applied ahead of this one; skipping what it applied',
          );
          position = current;
          continue;
        }
        throw new Error(`stored offset ${String(current.lastOffset)} is behind the expected ${String(expected.lastOffset)}`);
      }
    },
  };
}
