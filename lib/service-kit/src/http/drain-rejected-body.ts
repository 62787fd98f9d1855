import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * How much of a rejected body the server still reads (and discards) so that the client gets its
 * answer. Larger declared bodies, and bodies of unknown length, still close the connection.
 */
export const DRAIN_LIMIT_BYTES = 8 * 1024 * 1024;

/**
 * When Fastify rejects a body before reading it (413 over the limit, 415 unknown content type),
 * it answers with `Connection: close`. A client that is still writing its body then gets EPIPE or
 * ECONNRESET instead of the JSON error. For a declared length up to DRAIN_LIMIT_BYTES the
 * connection is kept instead: Node reads and discards the rest of the body after the answer
 * (IncomingMessage dump), the client reads the 4xx, and the connection stays usable.
 */
export const drainRejectedBody = fp(
  async (app: FastifyInstance) => {
    app.addHook('onSend', async (request, reply, payload) => {
      if (reply.statusCode < 400 || reply.statusCode > 499) return payload;
      if (String(reply.getHeader('connection') ?? '').toLowerCase() !== 'close') return payload;
      const declared = Number(request.headers['content-length']);
      if (request.raw.complete || (Number.isSafeInteger(declared) && declared <= DRAIN_LIMIT_BYTES)) {
        reply.removeHeader('connection');
      }
      return payload;
    });
  },
  { name: 'drain-rejected-body' },
);
