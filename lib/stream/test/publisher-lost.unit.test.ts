import type { Client } from 'rabbitmq-stream-js-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StreamConnection } from '../src/connection.js';
import { createConfirmingPublisher, type ConfirmingPublisher } from '../src/publisher.js';

/**
 * The connection is lost while a publish is still sending. The connection and client here are
 * stand-ins: what is tested is the publisher's own bookkeeping, which no broker can make happen at
 * a chosen moment.
 */
function standIn(basicSend: () => Promise<unknown>) {
  let lost: (reason: string) => void = () => undefined;
  const reconnects: string[] = [];
  const publisher = {
    publisherId: 1,
    closed: false,
    getConnectionInfo: () => ({ id: 'c1' }),
    basicSend,
    flush: async () => undefined,
    close: async () => undefined,
  };
  const client = { declarePublisher: async () => publisher } as unknown as Client;
  let hook: ((client: Client) => Promise<void>) | undefined;
  const connection = {
    onReady: (h: (client: Client) => Promise<void>) => ((hook = h), () => undefined),
    onLost: (listener: (reason: string) => void) => ((lost = listener), () => undefined),
    onConfirm: () => () => undefined,
    entityClosedListener: () => () => undefined,
    reconnect: (reason: string) => reconnects.push(reason),
  } as unknown as StreamConnection;
  return {
    async publisher(confirmTimeoutMs: number): Promise<ConfirmingPublisher> {
      const confirming = createConfirmingPublisher(connection, { stream: 's', publisherRef: 'p', confirmTimeoutMs });
      await hook!(client);
      expect(confirming.isReady).toBe(true);
      return confirming;
    },
    lose: (reason: string) => lost(reason),
    reconnects,
  };
}

const one = [{ publishingId: 1n, body: Buffer.from('a'), annotations: {} }];

describe('a publish in flight when the connection is lost', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeEach(() => {
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(() => {
    process.off('unhandledRejection', onUnhandled);
  });

  // The confirms it waits for are rejected before it holds them. That must fail the publish (the relay
  // sends again), not escape as an unhandled rejection, which ends the service (seen when the broker
  // stopped under load).
  it('rejects, and leaves nothing unhandled', async () => {
    let releaseSend: () => void = () => undefined;
    const sending = new Promise<void>((resolve) => (releaseSend = resolve));
    const fake = standIn(() => sending);
    const confirming = await fake.publisher(5_000);

    const publishing = confirming.publish(one);
    publishing.catch(() => undefined);
    fake.lose('publisher connection closed'); // while basicSend is still awaited
    await new Promise((resolve) => setTimeout(resolve, 20));
    releaseSend();

    await expect(publishing).rejects.toThrow(/stream connection lost: publisher connection closed/);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(unhandled).toEqual([]);
  });

  // rabbitmq-stream-js-client's send never settles once its socket is no longer open. Awaited alone, that
  // held the outbox relay for ever after a cluster node was killed (nothing published until the service
  // was restarted; its shutdown timed out in the relay).
  it('rejects at once when the send never settles and the loss is reported', async () => {
    const fake = standIn(() => new Promise(() => undefined));
    const confirming = await fake.publisher(60_000);

    const publishing = confirming.publish(one);
    publishing.catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const lostAt = Date.now();
    fake.lose('connection closed');

    await expect(publishing).rejects.toThrow(/stream connection lost: connection closed/);
    expect(Date.now() - lostAt).toBeLessThan(1_000);
    expect(unhandled).toEqual([]);
  });

  it('gives up after the confirm timeout, and asks for a new connection, when the send never settles unnoticed', async () => {
    const fake = standIn(() => new Promise(() => undefined));
    const confirming = await fake.publisher(200);

    await expect(confirming.publish(one)).rejects.toThrow(/timed out/);
    expect(fake.reconnects).toHaveLength(1);
    expect(unhandled).toEqual([]);
  });
});
