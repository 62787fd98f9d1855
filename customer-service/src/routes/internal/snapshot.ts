import { Readable } from 'node:stream';
import { SNAPSHOT_MEDIA_TYPE } from '@demo/contract';
import type { HttpServer } from '@demo/service-kit';
import type pg from 'pg';
import { customerSnapshot } from '../../services/snapshot.js';

/** GET /internal/snapshot: what an order-service replica bootstraps from when the stream lost its history. */
export async function snapshotRoutes(app: HttpServer, options: { pool: pg.Pool }) {
  app.get(
    '/internal/snapshot',
    {
      schema: {
        tags: ['internal'],
        summary: 'Every customer (id, address, version, deleted) from one consistent view',
        response: {
          200: {
            description: `${SNAPSHOT_MEDIA_TYPE}: a header line {snapshot: {total}}, one line per customer, an end line {end: {count}}`,
            content: { [SNAPSHOT_MEDIA_TYPE]: { schema: { type: 'string' } } },
          },
        },
      },
    },
    async (_request, reply) => {
      // Fastify sends a stream as it comes (the schema above only documents it). A failure midway
      // ends the response without its end line: the reader knows it is incomplete.
      const body = Readable.from(customerSnapshot(options.pool));
      return reply.type(SNAPSHOT_MEDIA_TYPE).send(body as unknown as string);
    },
  );
}
