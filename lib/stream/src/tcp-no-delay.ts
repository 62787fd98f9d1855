import { Socket } from 'node:net';

/**
 * Turns Nagle's algorithm off on the socket of a publisher's or consumer's connection.
 *
 * rabbitmq-stream-js-client 1.0.0 opens its sockets with the default (Nagle on). A small write
 * that follows one the broker has not acknowledged yet, e.g. the credit request for the next
 * chunk while another chunk's credit is outstanding, or a publish frame behind another, is then
 * held until the broker's delayed ACK, about 40 ms on Linux: a replay with several chunks of
 * credit crawled at ~1,300 messages/s instead of ~50,000. The client offers no option for it, so
 * the socket is reached through the entity's connection (checked at run time; a client whose
 * internals differ is left as it is).
 */
export function disableNagle(entity: unknown): boolean {
  const socket = (entity as { connection?: { socket?: unknown } } | undefined)?.connection?.socket;
  if (!(socket instanceof Socket)) return false;
  socket.setNoDelay(true);
  return true;
}
