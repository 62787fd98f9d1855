import type { Client } from 'rabbitmq-stream-js-client';
import { describe, expect, it } from 'vitest';
import type { StreamConnection } from '../src/connection.js';
import { createConfirmingPublisher } from '../src/publisher.js';

/**
 * The connection is lost while a publish is still sending (awaiting the client's basicSend): the
 * confirms it waits for are rejected before it holds them. That must fail the publish (the relay
 * sends again), not escape as an unhandled rejection, which ends the service (seen when the broker
 * stopped under load). The connection and client here are stand-ins: what is tested is the
 * publisher's own bookkeeping, which no broker can make happen at a chosen moment.
 */
describe('a publish in flight when the connection is lost', () => {
  it('rejects, and leaves nothing unhandled', async () => {
    let lost: (reason: string) => void = () => undefined;
    let releaseSend: () => void = () => undefined;
    const sending = new Promise<void>((resolve) => (releaseSend = resolve));
    const publisher = {
      publisherId: 1,
      closed: false,
      getConnectionInfo: () => ({ id: 'c1' }),
      basicSend: () => sending,
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
      reconnect: () => undefined,
    } as unknown as StreamConnection;
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const confirming = createConfirmingPublisher(connection, { stream: 's', publisherRef: 'p', confirmTimeoutMs: 5_000 });
      await hook!(client);
      expect(confirming.isReady).toBe(true);

      const publishing = confirming.publish([{ publishingId: 1n, body: Buffer.from('a'), annotations: {} }]);
      publishing.catch(() => undefined);
      lost('publisher connection closed'); // while basicSend is still awaited
      await new Promise((resolve) => setTimeout(resolve, 20));
      releaseSend();

      await expect(publishing).rejects.toThrow(/stream connection lost: publisher connection closed/);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
