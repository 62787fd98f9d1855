import { createServer, type Server, type Socket } from 'node:net';
import { connect } from 'rabbitmq-stream-js-client';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * A peer that accepts the TCP connection and resets it as soon as the client speaks: what a node
 * killed during the client's handshake looks like. The client's handshake runs in a socket
 * listener; a failed write there must fail the connect, not escape as an unhandled rejection
 * (which ends a service; patched in patches/rabbitmq-stream-js-client+1.0.0.patch).
 */
let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

const text = (value: string) => {
  const length = Buffer.alloc(2);
  length.writeInt16BE(Buffer.byteLength(value), 0);
  return Buffer.concat([length, Buffer.from(value)]);
};

/** A peer-properties answer (key 0x8011, version 1, code 1 OK, the broker's version) to the request in `frame`. */
function peerPropertiesAnswer(frame: Buffer): Buffer {
  const correlationId = frame.readUInt32BE(8);
  const head = Buffer.alloc(2 + 2 + 4 + 2 + 4);
  head.writeUInt16BE(0x8011, 0);
  head.writeUInt16BE(1, 2);
  head.writeUInt32BE(correlationId, 4);
  head.writeUInt16BE(1, 8);
  head.writeInt32BE(1, 10);
  const body = Buffer.concat([head, text('version'), text('4.0.5')]);
  const size = Buffer.alloc(4);
  size.writeUInt32BE(body.length, 0);
  return Buffer.concat([size, body]);
}

/** Answers the client's first request, and resets the connection right behind the answer. */
async function resettingPeer(): Promise<number> {
  server = createServer((socket: Socket) => {
    socket.once('data', (frame: Buffer) => {
      socket.write(peerPropertiesAnswer(frame), () => socket.resetAndDestroy());
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

describe('a connection reset during the client handshake', () => {
  it('fails the connect, and nothing is left unhandled', async () => {
    const port = await resettingPeer();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      for (let attempt = 0; attempt < 20; attempt++) {
        const connecting = connect({ hostname: '127.0.0.1', port, username: 'u', password: 'p', vhost: '/', heartbeat: 0 });
        await expect(connecting).rejects.toBeDefined();
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
