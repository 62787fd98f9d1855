import { notFound, type HttpServer } from '@demo/service-kit';
import type { RouteContext } from '../context.js';
import { findReplicaCustomer } from '../db/replica.js';
import { IdParams } from '../schemas/common.js';
import { ReplicaCustomer } from '../schemas/replica.js';

export async function replicaRoutes(app: HttpServer, { context }: { context: RouteContext }) {
  app.get(
    '/replica/customers/:id',
    {
      schema: {
        tags: ['replica'],
        summary: "The replica's row of a customer (deleted customers included, with deleted: true)",
        params: IdParams,
        response: { 200: ReplicaCustomer, 400: { $ref: 'ErrorBody' }, 404: { $ref: 'ErrorBody' }, 503: { $ref: 'ErrorBody' } },
      },
    },
    async (request) => {
      const row = await findReplicaCustomer(context.db, request.params.id);
      if (!row) throw notFound(`customer ${request.params.id} is not in the replica`);
      return {
        id: row.id,
        address: row.address,
        version: row.version,
        deleted: row.deleted,
        updated_at: row.updated_at.toISOString(),
        last_event_offset: row.last_event_offset,
      };
    },
  );
}
