import { Socket } from 'node:net';
import type { Client } from 'rabbitmq-stream-js-client';

/*
 * Two things rabbitmq-stream-js-client 1.0.0 offers no option for, reached through its internals
 * (checked at run time: a client whose internals differ is left as it is).
 */

function socketOf(holder: unknown): Socket | undefined {
  const socket = (holder as { connection?: { socket?: unknown } } | undefined)?.connection?.socket;
  return socket instanceof Socket ? socket : undefined;
}

/**
 * Turns Nagle's algorithm off on the socket of a publisher's or consumer's connection. With it on,
 * a small write that follows one the broker has not acknowledged yet (the credit request for the
 * next chunk, a publish frame behind another) waits for the broker's delayed ACK, about 40 ms on
 * Linux: a replay with several chunks of credit crawls at ~1,300 messages/s instead of ~50,000.
 */
export function disableNagle(entity: unknown): boolean {
  const socket = socketOf(entity);
  if (!socket) return false;
  socket.setNoDelay(true);
  return true;
}

/** Every socket of a client: its locator connection's and those of its publishers and consumers. */
export function socketsOf(client: Client): Socket[] {
  const internals = client as unknown as {
    locatorConnection?: { socket?: unknown };
    publishers?: Map<unknown, unknown>;
    consumers?: Map<unknown, unknown>;
  };
  const holders: unknown[] = [
    { connection: internals.locatorConnection },
    ...(internals.publishers?.values() ?? []),
    ...(internals.consumers?.values() ?? []),
  ];
  return holders.map(socketOf).filter((socket): socket is Socket => socket !== undefined);
}
