import { errorMessage, withTimeout } from '@demo/async';
import type { Client, Publisher } from 'rabbitmq-stream-js-client';

import type { StreamConnection } from './connection.js';
import { silentLogger, type StreamLogger } from './logger.js';
import { disableNagle } from './client-internals.js';

export interface OutgoingMessage {
  /** Strictly increasing per publisherRef: the broker drops an id it has already seen (deduplication). */
  publishingId: bigint;
  body: Buffer;
  annotations: Record<string, string | number>;
}

export interface ConfirmingPublisher {
  /**
   * Sends the messages in order and resolves once the broker has confirmed every one of them
   * (a duplicate the broker drops is confirmed too). Rejects when the connection is lost, the
   * broker reports an error, or confirms take longer than `confirmTimeoutMs`: the caller then
   * sends the same messages again with the same publishing ids.
   */
  publish(messages: readonly OutgoingMessage[]): Promise<void>;
  /** The highest publishing id the broker has stored for this publisherRef (0 when none). */
  lastPublishingId(): Promise<bigint>;
  /** Declared on the current connection and not closed: a publish can be sent now. */
  readonly isReady: boolean;
  close(): Promise<void>;
}

export interface ConfirmingPublisherOptions {
  stream: string;
  /** Fixed name: the broker deduplicates per (stream, publisherRef). */
  publisherRef: string;
  confirmTimeoutMs?: number;
  logger?: StreamLogger;
}

interface Pending {
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * A deduplicating publisher that tracks confirms per publisher (the client's own confirm
 * listener also sees other publishers' confirms on a shared connection) and survives reconnects:
 * it is declared again on every new client.
 */
export function createConfirmingPublisher(
  connection: StreamConnection,
  options: ConfirmingPublisherOptions,
): ConfirmingPublisher {
  const logger = options.logger ?? silentLogger;
  const confirmTimeoutMs = options.confirmTimeoutMs ?? 10_000;
  let publisher: Publisher | undefined;
  let unlisten: (() => void) | undefined;
  const pending = new Map<bigint, Pending>();

  function failAll(reason: string) {
    const error = new Error(reason);
    for (const entry of pending.values()) entry.reject(error);
    pending.clear();
  }

  // The connection may run this hook twice for one client (a hook registered while the client's
  // hooks are running is called at once and again by that run): declare once per client.
  let declaredOn: Client | undefined;
  let declaring: Promise<void> = Promise.resolve();
  const removeHook = connection.onReady((client: Client) => {
    if (declaredOn !== client) {
      declaredOn = client;
      declaring = declare(client);
    }
    return declaring;
  });

  async function declare(client: Client) {
    unlisten?.();
    failAll('publisher re-declared on a new connection');
    const fresh = await client.declarePublisher({
      stream: options.stream,
      publisherRef: options.publisherRef,
      connectionClosedListener: connection.entityClosedListener(client, 'publisher'),
    });
    if (!disableNagle(fresh)) logger.warn({}, 'could not turn Nagle off on the publisher socket: confirms may lag');
    const own = fresh.publisherId;
    unlisten = connection.onConfirm(
      fresh.getConnectionInfo().id,
      (publisherId, ids) => {
        if (publisherId !== own) return;
        for (const id of ids) {
          const entry = pending.get(id);
          if (entry) {
            pending.delete(id);
            entry.resolve();
          }
        }
      },
      (publisherId, id, code) => {
        if (publisherId !== own) return;
        const entry = pending.get(id);
        if (entry) {
          pending.delete(id);
          entry.reject(new Error(`broker refused publishing id ${id} with code ${code}`));
        }
      },
    );
    publisher = fresh;
    logger.info({ stream: options.stream, publisherRef: options.publisherRef }, 'publisher declared');
  }
  const removeLost = connection.onLost((reason) => {
    publisher = undefined;
    failAll(`stream connection lost: ${reason}`);
  });

  return {
    async publish(messages) {
      if (messages.length === 0) return;
      const current = publisher;
      if (!current || current.closed) throw new Error('publisher is not connected');
      const confirmed = messages.map(
        (message) =>
          new Promise<void>((resolve, reject) => {
            pending.get(message.publishingId)?.reject(new Error('superseded by a newer send of the same id'));
            pending.set(message.publishingId, { resolve, reject });
          }),
      );
      // A connection lost while the sends below are awaited rejects these before Promise.all holds them:
      // handled now, or that rejection is unhandled and ends the process.
      for (const promise of confirmed) promise.catch(() => undefined);
      // The client's send never settles once its socket is no longer open (it writes only to an open
      // socket, and otherwise neither resolves nor rejects): awaited alone, a connection lost in the middle
      // of a send would hold the relay for ever. The sends are raced against the confirms, which the
      // connection's loss rejects (failAll), and bounded with them.
      const sent = (async () => {
        for (const message of messages) {
          await current.basicSend(message.publishingId, message.body, { messageAnnotations: message.annotations });
        }
        await current.flush();
      })();
      sent.catch(() => undefined);
      try {
        await withTimeout(Promise.all([sent, ...confirmed]), confirmTimeoutMs, `send and confirm of ${messages.length} messages`);
      } catch (error) {
        for (const message of messages) pending.delete(message.publishingId);
        if (/timed out/.test(errorMessage(error))) connection.reconnect(`publisher: ${errorMessage(error)}`);
        throw error;
      }
    },
    get isReady() {
      return publisher !== undefined && !publisher.closed;
    },
    async lastPublishingId() {
      const current = publisher;
      if (!current) throw new Error('publisher is not connected');
      return current.getLastPublishingId();
    },
    async close() {
      removeHook();
      removeLost();
      unlisten?.();
      failAll('publisher closed');
      const current = publisher;
      publisher = undefined;
      if (current && !current.closed) await withTimeout(current.close(), 5_000, 'publisher close').catch(() => undefined);
    },
  };
}
