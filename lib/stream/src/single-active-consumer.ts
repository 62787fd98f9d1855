import { backoffDelay, errorMessage, sleep, withTimeout } from '@demo/async';
import { Offset, type Client, type Consumer } from 'rabbitmq-stream-js-client';
import { createBatchPump, type StreamMessage } from './batch-pump.js';
import { disableNagle } from './client-internals.js';
import type { StreamConnection } from './connection.js';
import { CreditWhenBuffered } from './credit-policy.js';
import { silentLogger, type StreamLogger } from './logger.js';

export type { StreamMessage } from './batch-pump.js';

export type ConsumerRole = 'active' | 'standby';

export interface SingleActiveConsumerOptions<Prepared = never> {
  stream: string;
  /** Shared by every instance: the broker lets one of them consume at a time. */
  consumerRef: string;
  /**
   * When `stream` is a partition of this super stream: the broker then spreads the active
   * consumers of the super stream's partitions over the instances of the group (one active per
   * partition), instead of making one instance active on every partition.
   */
  superStream?: string;
  /**
   * Called when this instance is promoted: the offset of the first message to read
   * (the stored offset + 1), or 'first' to read from the first retained message, or 'stand-down'
   * when this instance cannot consume correctly (e.g. the stream no longer holds what it needs):
   * it then unsubscribes, so that the broker may promote another instance, and stays unsubscribed
   * until `resubscribe` is called.
   */
  resumeFrom(): Promise<bigint | 'first' | 'stand-down'>;
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
  /** Subscribed on the current connection (active or standby): false while it is being re-declared. */
  readonly isSubscribed: boolean;
  /**
   * Unsubscribes and subscribes again: the broker may hand activity to another instance. Also ends
   * a stand-down (see resumeFrom).
   */
  resubscribe(reason: string): Promise<void>;
  /** Unsubscribes properly (so that a standby takes over at once) and waits for the batch in hand. */
  close(): Promise<void>;
}

/**
 * Single active consumer with batched, ordered, never-skipping delivery. Batching is
 * batch-pump.ts (over ordered-buffer.ts), credit is credit-policy.ts; this file keeps the role and
 * the subscription:
 * - `consumer.close()` only releases the connection: the broker is told by `client.closeConsumer()`;
 * - the consumer-update callback runs on promotion and on step-down alike; the broker's message
 *   says which, and the patched client passes that flag on (guessing from the order of calls
 *   inverts the role for good once one update is missed);
 * - a handler that throws stalls the subscription: ours only buffers and never throws;
 * - messages that arrive while standby are dropped (the broker sends none, but a late chunk of the
 *   previous role may still be on its way);
 * - the offset is also stored on the broker now and then, so that the management UI shows progress.
 */
export function createSingleActiveConsumer<Prepared = never>(
  connection: StreamConnection,
  options: SingleActiveConsumerOptions<Prepared>,
): SingleActiveConsumer {
  const logger = options.logger ?? silentLogger;
  const chunksInFlight = options.chunksInFlight ?? 32;
  const brokerOffsetEveryMs = options.brokerOffsetEveryMs ?? 5_000;
  const pump = createBatchPump<Prepared>({
    maxBatchSize: options.maxBatchSize ?? 500,
    handleBatch: options.handleBatch,
    ...(options.prepareBatch ? { prepareBatch: options.prepareBatch } : {}),
    logger,
  });

  let consumer: Consumer | undefined;
  let client: Client | undefined;
  let role: ConsumerRole = 'standby';
  let subscriptions = 0; // subscriptions made so far: tells the current one from an older one
  let updates = 0; // consumer updates received so far: tells the latest one
  let lastBrokerOffset: bigint | undefined;
  let closed = false;
  let stoodDown = false;
  const stopping = new AbortController();

  /** Every change of role (and a new subscription) drops what is buffered and the batch in hand. */
  function setRole(next: ConsumerRole) {
    pump.reset();
    if (role === next) return;
    role = next;
    logger.info({ stream: options.stream, consumerRef: options.consumerRef, role }, `consumer is now ${role}`);
    options.onRoleChange?.(role);
  }

  function onMessage(message: { offset?: bigint; content: Buffer; messageAnnotations?: Record<string, unknown> }) {
    if (role !== 'active' || message.offset === undefined) return;
    pump.push({ offset: message.offset, body: message.content, annotations: message.messageAnnotations ?? {} });
  }

  /** `active`: the broker's word, carried by its consumer update (see patches/). */
  async function onConsumerUpdate(active: boolean): Promise<Offset> {
    // The client handles the broker's updates concurrently: a promotion still reading its stored
    // offset can be overtaken by a later step-down (the broker rebalancing a super stream's
    // partitions as instances join). The latest update is the broker's word.
    const update = ++updates;
    if (!active) {
      setRole('standby');
      return Offset.next();
    }
    const subscription = subscriptions;
    for (let attempt = 0; ; attempt++) {
      try {
        const from = await options.resumeFrom();
        if (update !== updates) {
          logger.info({ stream: options.stream }, 'promotion overtaken by a later update from the broker; not active');
          return Offset.next();
        }
        if (from === 'stand-down') {
          logger.warn({ stream: options.stream, consumerRef: options.consumerRef }, 'promoted, but standing down: this instance cannot consume the stream correctly');
          stoodDown = true;
          // Answer the broker first; then leave, so that it can promote another instance.
          setTimeout(() => {
            if (!closed && subscriptions === subscription) void unsubscribe();
          }, 0).unref();
          return Offset.next();
        }
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
    stoodDown = false;
    await unsubscribe();
    const current = await connection.ready();
    // After a reconnect the connection's ready hook has already subscribed on the new client.
    if (closed || client !== undefined) return;
    await subscribe(current);
  }

  async function subscribe(current: Client) {
    if (stoodDown) return; // until resubscribe() is called
    subscriptions++;
    setRole('standby');
    client = current;
    consumer = await current.declareConsumer(
      {
        stream: options.stream,
        consumerRef: options.consumerRef,
        singleActive: true,
        // Only used if resumeFrom keeps failing: replaying is safe, skipping is not.
        offset: Offset.first(),
        creditPolicy: new CreditWhenBuffered(chunksInFlight, pump.chunkHooks()),
        consumerUpdateListener: async (_ref, _stream, active) => onConsumerUpdate(active),
        connectionClosedListener: connection.entityClosedListener(current, 'consumer'),
      },
      (message) => onMessage(message),
      // The client takes the super stream's name from its own super stream consumer object.
      ...((options.superStream ? [{ superStream: options.superStream }] : []) as []),
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
    const offset = pump.lastHandledOffset;
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
    get isSubscribed() {
      return consumer !== undefined;
    },
    resubscribe,
    async close() {
      closed = true;
      clearInterval(storeTimer);
      removeHook?.();
      removeLost?.();
      // Unsubscribe first so that the broker promotes a standby at once; the batch in hand
      // either commits (its offset check still holds) or is fenced by the new active instance.
      await unsubscribe();
      stopping.abort();
      await pump.close();
    },
  };
}
