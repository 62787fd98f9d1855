import { backoffDelay, errorMessage, sleep, withTimeout } from '@demo/async';
import { Offset, type Client, type Consumer } from 'rabbitmq-stream-js-client';
import {
  ConsumerCreditPolicy,
  type CreditRequestWrapper,
} from 'rabbitmq-stream-js-client/dist/consumer_credit_policy.js';

import type { StreamConnection } from './connection.js';
import { silentLogger, type StreamLogger } from './logger.js';
import { disableNagle } from './client-internals.js';

export interface StreamMessage {
  offset: bigint;
  body: Buffer;
  annotations: Record<string, unknown>;
}

export type ConsumerRole = 'active' | 'standby';

export interface SingleActiveConsumerOptions<Prepared = never> {
  stream: string;
  /** Shared by every instance: the broker lets one of them consume at a time. */
  consumerRef: string;
  /**
   * Called when this instance is promoted: the offset of the first message to read
   * (the stored offset + 1), or 'first' to read from the first retained message.
   */
  resumeFrom(): Promise<bigint | 'first'>;
  /**
   * Applies a batch of consecutive messages. Must be atomic with the storage of its last offset.
   * A rejection is retried with backoff, with the same batch, until it succeeds or this instance
   * stops being active: nothing is ever skipped. `prepared`: what `prepareBatch` made of these
   * very messages, when it ran (undefined otherwise).
   */
  handleBatch(messages: StreamMessage[], prepared: Prepared | undefined): Promise<void>;
  /**
   * Optional pure work on a batch (decoding, folding), done ahead: while batch N is being applied
   * (its statement on its way to the database), batch N+1 is cut and prepared, so that the CPU
   * work of the one overlaps the database work of the other. No side effects: a prepared batch is
   * dropped on a change of role, and reused when its predecessor is retried.
   */
  prepareBatch?(messages: StreamMessage[]): Prepared;
  onRoleChange?(role: ConsumerRole): void;
  maxBatchSize?: number;
  /** Chunks of credit kept outstanding (topped up when half is used). Default 32. */
  chunksInFlight?: number;
  /** Also store the offset on the broker this often, so that the management UI shows progress. */
  brokerOffsetEveryMs?: number;
  logger?: StreamLogger;
}

export interface SingleActiveConsumer {
  start(): void;
  readonly role: ConsumerRole;
  /** Offset of the last message handleBatch accepted while active, if any. */
  readonly lastHandledOffset: bigint | undefined;
  /** Unsubscribes and subscribes again: the broker may hand activity to another instance. */
  resubscribe(reason: string): Promise<void>;
  /** Unsubscribes properly (so that a standby takes over at once) and waits for the batch in hand. */
  close(): Promise<void>;
}

/**
 * Single active consumer with batched, ordered, never-skipping delivery.
 *
 * Sharp edges of rabbitmq-stream-js-client handled here:
 * - `consumer.close()` only releases the connection: the broker is told by `client.closeConsumer()`.
 * - the consumer-update callback runs on promotion and on step-down alike; the broker's message
 *   says which, and the patched client passes that flag on (guessing from the order of calls
 *   inverts the role for good once one update is missed).
 * - a handler that throws stalls the subscription: ours only buffers and never throws.
 * - with more than one chunk of credit, the messages of two chunks that arrive in one socket read
 *   can interleave (the client handles each chunk in its own async loop). Messages are therefore
 *   kept sorted by offset, and a batch is only cut while no chunk is half delivered (tracked with
 *   the credit policy's per-chunk hooks): a batch is always a gap-free prefix of the stream.
 *
 * Several chunks of credit are kept outstanding (a stream written by many small commits has
 * small chunks; one credit round trip per chunk would bound a replay), renewed as each chunk is
 * buffered, but only while the buffer is below its high-water mark (bounded memory).
 */
export function createSingleActiveConsumer<Prepared = never>(
  connection: StreamConnection,
  options: SingleActiveConsumerOptions<Prepared>,
): SingleActiveConsumer {
  const logger = options.logger ?? silentLogger;
  const maxBatchSize = options.maxBatchSize ?? 500;
  // Buffered messages beyond which no more credit is granted (plus at most the chunk in flight).
  const highWater = maxBatchSize * 4;
  const chunksInFlight = options.chunksInFlight ?? 32;
  const brokerOffsetEveryMs = options.brokerOffsetEveryMs ?? 5_000;

  let consumer: Consumer | undefined;
  let client: Client | undefined;
  let role: ConsumerRole = 'standby';
  let subscriptions = 0; // subscriptions made so far: tells the current one from an older one
  let epoch = 0; // bumped on every change of role or subscription: stale batches are dropped
  let buffer: StreamMessage[] = [];
  let pumping: Promise<void> | undefined;
  let spaceWaiters: Array<() => void> = [];
  // Chunks whose messages are being handed over (one credit wrapper per delivered chunk).
  let chunksBeingDelivered = new Set<unknown>();
  let lastHandledOffset: bigint | undefined;
  let lastBrokerOffset: bigint | undefined;
  let closed = false;
  const stopping = new AbortController();

  function setRole(next: ConsumerRole) {
    epoch++;
    buffer = [];
    releaseSpace();
    if (role === next) return;
    role = next;
    logger.info({ stream: options.stream, consumerRef: options.consumerRef, role }, `consumer is now ${role}`);
    options.onRoleChange?.(role);
  }

  function releaseSpace() {
    const waiters = spaceWaiters;
    spaceWaiters = [];
    for (const resolve of waiters) resolve();
  }

  function onMessage(message: { offset?: bigint; content: Buffer; messageAnnotations?: Record<string, unknown> }) {
    if (role !== 'active' || message.offset === undefined) return;
    insertInOrder({ offset: message.offset, body: message.content, annotations: message.messageAnnotations ?? {} });
    schedulePump();
  }

  /** Appends, or (when two chunks interleave) inserts at its place by offset. */
  function insertInOrder(message: StreamMessage) {
    const last = buffer[buffer.length - 1];
    if (!last || last.offset < message.offset) {
      buffer.push(message);
      return;
    }
    let low = 0;
    let high = buffer.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (buffer[mid]!.offset < message.offset) low = mid + 1;
      else high = mid;
    }
    if (buffer[low]?.offset === message.offset) return; // the same offset twice: keep one
    buffer.splice(low, 0, message);
  }

  const chunkHooks: ChunkHooks = {
    started(chunk) {
      chunksBeingDelivered.add(chunk);
    },
    completed(chunk) {
      chunksBeingDelivered.delete(chunk);
      if (chunksBeingDelivered.size === 0 && buffer.length > 0) schedulePump();
    },
    waitForRoom,
  };

  /** Credit for the next chunk is granted once this one is buffered and the buffer has room. */
  async function waitForRoom() {
    while (role === 'active' && !closed && buffer.length >= highWater) {
      await new Promise<void>((resolve) => spaceWaiters.push(resolve));
    }
  }

  function schedulePump() {
    if (pumping) return;
    // setImmediate: let the rest of the chunk arrive first, so that a chunk becomes one batch.
    pumping = new Promise<void>((resolve) => setImmediate(resolve)).then(pump).finally(() => {
      pumping = undefined;
      if (buffer.length > 0 && role === 'active' && chunksBeingDelivered.size === 0) schedulePump();
    });
  }

  async function pump() {
    let ahead: { batch: StreamMessage[]; prepared: Prepared | undefined } | undefined;
    // A half-delivered chunk: its completion schedules the pump again.
    while (buffer.length > 0 && role === 'active' && !closed && chunksBeingDelivered.size === 0) {
      const myEpoch = epoch;
      // The batch prepared ahead, if the buffer still starts with exactly its messages.
      const reuse = ahead !== undefined && ahead.batch[0] === buffer[0] && ahead.batch.at(-1) === buffer[ahead.batch.length - 1];
      const batch = reuse ? ahead!.batch : buffer.slice(0, maxBatchSize);
      const prepared = reuse ? ahead!.prepared : prepare(batch);
      ahead = undefined;
      // Cut now, while no chunk is half delivered; prepared once this batch's statement is out.
      const next = options.prepareBatch && buffer.length > batch.length ? buffer.slice(batch.length, batch.length + maxBatchSize) : undefined;
      const applying = applyUntilDone(batch, prepared, myEpoch);
      if (next) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (myEpoch === epoch) ahead = { batch: next, prepared: prepare(next) };
      }
      if (!(await applying)) return;
      buffer = buffer.slice(batch.length);
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

  /** handleBatch until it succeeds; false when this instance stopped being active meanwhile. */
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

  /** `active`: the broker's word, carried by its consumer update (see patches/). */
  async function onConsumerUpdate(active: boolean): Promise<Offset> {
    if (!active) {
      setRole('standby');
      return Offset.next();
    }
    const subscription = subscriptions;
    for (let attempt = 0; ; attempt++) {
      try {
        const from = await options.resumeFrom();
        setRole('active');
        logger.info({ resumeFrom: String(from) }, 'promoted: resuming after the stored offset');
        return from === 'first' ? Offset.first() : Offset.offset(from);
      } catch (error) {
        if (closed) throw error;
        if (attempt >= 20) {
          // The broker now deems this instance active, but without a stored offset it must not
          // consume (messages are dropped while standby): answer, then subscribe again, so that
          // the broker runs this promotion (here or on another instance) once more.
          logger.warn({ err: errorMessage(error) }, 'cannot read the stored offset on promotion; subscribing again');
          setTimeout(() => {
            if (!closed && subscriptions === subscription) void resubscribe('stored offset unreadable on promotion');
          }, 1_000).unref();
          return Offset.next();
        }
        await sleep(backoffDelay(attempt, 100, 1_000), stopping.signal);
      }
    }
  }

  async function resubscribe(reason: string) {
    logger.info({ reason }, 'resubscribing');
    await unsubscribe();
    const current = await connection.ready();
    // After a reconnect the connection's ready hook has already subscribed on the new client.
    if (closed || client !== undefined) return;
    await subscribe(current);
  }

  async function subscribe(current: Client) {
    subscriptions++;
    setRole('standby');
    chunksBeingDelivered = new Set();
    client = current;
    consumer = await current.declareConsumer(
      {
        stream: options.stream,
        consumerRef: options.consumerRef,
        singleActive: true,
        // Only used if resumeFrom keeps failing: replaying is safe, skipping is not.
        offset: Offset.first(),
        creditPolicy: new CreditWhenBuffered(chunksInFlight, chunkHooks),
        consumerUpdateListener: async (_ref, _stream, active) => onConsumerUpdate(active),
        connectionClosedListener: connection.entityClosedListener(current, 'consumer'),
      },
      (message) => onMessage(message),
    );
    if (!disableNagle(consumer)) logger.warn({}, 'could not turn Nagle off on the consumer socket: credit requests may lag');
  }

  async function unsubscribe() {
    const current = consumer;
    const owner = client;
    consumer = undefined;
    client = undefined;
    setRole('standby');
    if (!current || !owner) return;
    await withTimeout(owner.closeConsumer(current.extendedId), 5_000, 'unsubscribe').catch((error: unknown) =>
      logger.warn({ err: errorMessage(error) }, 'unsubscribe failed; the broker will notice the closed connection'),
    );
  }

  const storeTimer = setInterval(() => {
    const current = consumer;
    const offset = lastHandledOffset;
    if (!current || role !== 'active' || offset === undefined || offset === lastBrokerOffset) return;
    current
      .storeOffset(offset)
      .then(() => {
        lastBrokerOffset = offset;
      })
      .catch((error: unknown) => logger.debug({ err: errorMessage(error) }, 'storing the offset on the broker failed'));
  }, brokerOffsetEveryMs);
  storeTimer.unref();

  let removeHook: (() => void) | undefined;
  let removeLost: (() => void) | undefined;

  return {
    start() {
      removeHook = connection.onReady(subscribe);
      removeLost = connection.onLost(() => {
        consumer = undefined;
        client = undefined;
        setRole('standby');
      });
    },
    get role() {
      return role;
    },
    get lastHandledOffset() {
      return lastHandledOffset;
    },
    resubscribe,
    async close() {
      closed = true;
      clearInterval(storeTimer);
      removeHook?.();
      removeLost?.();
      const inFlight = pumping;
      // Unsubscribe first so that the broker promotes a standby at once; the batch in hand
      // either commits (its offset check still holds) or is fenced by the new active instance.
      await unsubscribe();
      stopping.abort();
      await inFlight?.catch(() => undefined);
    },
  };
}

interface ChunkHooks {
  started(chunk: unknown): void;
  completed(chunk: unknown): void;
  waitForRoom(): Promise<void>;
}

/**
 * `inFlight` chunks of credit at subscription, topped up again (in one credit request, not one
 * per chunk: a replay of small chunks would otherwise spend its time in tiny socket writes) once
 * half of it is used, and only when the buffer has room. The client creates one credit wrapper
 * per delivered chunk: it identifies the chunk in the hooks.
 */
class CreditWhenBuffered extends ConsumerCreditPolicy {
  private outstanding: number;
  private toppingUp = false;

  constructor(
    private readonly inFlight: number,
    private readonly hooks: ChunkHooks,
  ) {
    super(inFlight);
    this.outstanding = inFlight;
  }

  override async onChunkReceived(requestWrapper: CreditRequestWrapper): Promise<void> {
    this.outstanding--;
    this.hooks.started(requestWrapper);
  }

  override async onChunkCompleted(requestWrapper: CreditRequestWrapper): Promise<void> {
    this.hooks.completed(requestWrapper);
    if (this.toppingUp || this.outstanding > this.inFlight / 2) return;
    this.toppingUp = true;
    try {
      await this.hooks.waitForRoom();
      const grant = this.inFlight - this.outstanding;
      this.outstanding += grant;
      await this.requestCredits(requestWrapper, grant);
    } finally {
      this.toppingUp = false;
    }
  }
}
