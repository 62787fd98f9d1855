import { backoffDelay, errorMessage, sleep } from '@demo/async';
import type { ChunkHooks } from './credit-policy.js';
import type { StreamLogger } from './logger.js';
import { createOrderedBuffer } from './ordered-buffer.js';

export interface StreamMessage {
  offset: bigint;
  body: Buffer;
  annotations: Record<string, unknown>;
}

export interface BatchPumpOptions<Prepared> {
  maxBatchSize: number;
  /** See SingleActiveConsumerOptions.handleBatch: retried until it succeeds or the pump is reset. */
  handleBatch(messages: StreamMessage[], prepared: Prepared | undefined): Promise<void>;
  /** See SingleActiveConsumerOptions.prepareBatch. */
  prepareBatch?(messages: StreamMessage[]): Prepared;
  logger: StreamLogger;
}

/**
 * Turns delivered messages into batches handed to `handleBatch`, one at a time and in order:
 * - a batch is only cut while no chunk is half delivered (the credit policy's hooks tell), so a
 *   batch is always a gap-free prefix of what the broker sent;
 * - while batch N is applied, batch N+1 is cut and prepared (the CPU work of the one overlaps the
 *   database work of the other); a prepared batch is reused when its predecessor is retried and
 *   dropped on a reset;
 * - a failing batch is retried with backoff, the same batch, until it succeeds or the pump is
 *   reset (a change of role or subscription): nothing is ever skipped;
 * - no more credit is granted while the buffer is above its high-water mark (bounded memory).
 */
export interface BatchPump {
  push(message: StreamMessage): void;
  /**
   * For the credit policy of a new subscription: chunk boundaries and back-pressure. The hooks
   * handed to earlier subscriptions are ignored from then on.
   */
  chunkHooks(): ChunkHooks;
  /** Drops what is buffered and any batch in hand (its result is ignored); accepts again. */
  reset(): void;
  /** Stops accepting and retrying; resolves once the batch in hand (if any) settled. */
  close(): Promise<void>;
  /** Offset of the last message handleBatch accepted, if any. */
  readonly lastHandledOffset: bigint | undefined;
}

export function createBatchPump<Prepared>(options: BatchPumpOptions<Prepared>): BatchPump {
  const { maxBatchSize, logger } = options;
  // Buffered messages beyond which no more credit is granted (plus at most the chunks in flight).
  const highWater = maxBatchSize * 4;
  const buffer = createOrderedBuffer<StreamMessage>();
  const stopping = new AbortController();
  let epoch = 0; // bumped on every reset: the results of older batches are ignored
  let closed = false;
  let pumping: Promise<void> | undefined;
  let spaceWaiters: Array<() => void> = [];
  // Chunks whose messages are being handed over, for the current subscription.
  let chunksBeingDelivered = new Set<unknown>();
  let lastHandledOffset: bigint | undefined;

  function releaseSpace() {
    const waiters = spaceWaiters;
    spaceWaiters = [];
    for (const resolve of waiters) resolve();
  }

  function canCut() {
    return buffer.length > 0 && !closed && chunksBeingDelivered.size === 0;
  }

  function schedulePump() {
    if (pumping) return;
    // setImmediate: let the rest of the chunk arrive first, so that a chunk becomes one batch.
    pumping = new Promise<void>((resolve) => setImmediate(resolve)).then(pump).finally(() => {
      pumping = undefined;
      if (canCut()) schedulePump();
    });
  }

  async function pump() {
    let ahead: { batch: StreamMessage[]; prepared: Prepared | undefined } | undefined;
    // A half-delivered chunk: its completion schedules the pump again.
    while (canCut()) {
      const myEpoch = epoch;
      // The batch prepared ahead, if the buffer still starts with exactly its messages.
      const reuse = ahead !== undefined && ahead.batch[0] === buffer.at(0) && ahead.batch.at(-1) === buffer.at(ahead.batch.length - 1);
      const batch = reuse ? ahead!.batch : buffer.peek(maxBatchSize);
      const prepared = reuse ? ahead!.prepared : prepare(batch);
      ahead = undefined;
      // Cut now, while no chunk is half delivered; prepared once this batch's statement is out.
      const next =
        options.prepareBatch && buffer.length > batch.length ? buffer.peek(batch.length + maxBatchSize).slice(batch.length) : undefined;
      const applying = applyUntilDone(batch, prepared, myEpoch);
      if (next) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (myEpoch === epoch) ahead = { batch: next, prepared: prepare(next) };
      }
      if (!(await applying)) return;
      buffer.drop(batch.length);
      lastHandledOffset = batch[batch.length - 1]?.offset;
      if (buffer.length < highWater) releaseSpace();
    }
  }

  function prepare(batch: StreamMessage[]): Prepared | undefined {
    if (!options.prepareBatch) return undefined;
    try {
      return options.prepareBatch(batch);
    } catch (error) {
      logger.warn({ err: errorMessage(error), fromOffset: String(batch[0]?.offset) }, 'preparing a batch failed; handleBatch gets it unprepared');
      return undefined;
    }
  }

  /** handleBatch until it succeeds; false when the pump was reset or closed meanwhile. */
  async function applyUntilDone(batch: StreamMessage[], prepared: Prepared | undefined, myEpoch: number): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        await options.handleBatch(batch, prepared);
        return myEpoch === epoch;
      } catch (error) {
        if (myEpoch !== epoch || closed) return false;
        const delay = backoffDelay(attempt, 100, 5_000);
        logger.warn(
          { err: errorMessage(error), attempt, retryInMs: delay, fromOffset: String(batch[0]?.offset) },
          'applying a batch failed; retrying the same batch',
        );
        await sleep(delay, stopping.signal);
        if (myEpoch !== epoch || closed) return false;
      }
    }
  }

  return {
    push(message) {
      buffer.insert(message);
      schedulePump();
    },
    chunkHooks() {
      const chunks = new Set<unknown>();
      chunksBeingDelivered = chunks;
      const current = () => chunksBeingDelivered === chunks;
      return {
        started(chunk) {
          if (current()) chunks.add(chunk);
        },
        completed(chunk) {
          if (!current()) return;
          chunks.delete(chunk);
          if (canCut()) schedulePump();
        },
        async waitForRoom() {
          while (current() && !closed && buffer.length >= highWater) {
            await new Promise<void>((resolve) => spaceWaiters.push(resolve));
          }
        },
      };
    },
    reset() {
      epoch++;
      buffer.clear();
      releaseSpace();
    },
    async close() {
      closed = true;
      epoch++;
      buffer.clear();
      releaseSpace();
      stopping.abort();
      await pumping?.catch(() => undefined);
    },
    get lastHandledOffset() {
      return lastHandledOffset;
    },
  };
}
