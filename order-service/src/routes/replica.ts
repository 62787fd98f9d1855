import type { HttpServer } from '@demo/service-kit';
import { IdParams } from '../schemas/common.js';
import { ReplicaCustomer } from '../schemas/replica.js';
import type { ReplicaCustomerService } from '../services/replica-customers.js';

export async function replicaRoutes(app: HttpServer, options: { replicaCustomers: ReplicaCustomerService }) {
  app.get(
    '/replica/customers/:id',
    {
      config: { auth: 'operator' },
      schema: {
        tags: ['replica'],
        summary: "The replica's row of a customer (deleted customers included, with deleted: true)",
        params: IdParams,
        response: { 200: ReplicaCustomer, 400: { $ref: 'ErrorBody' }, 404: { $ref: 'ErrorBody' }, 503: { $ref: 'ErrorBody' } },
      },
    },
    async (request) => options.replicaCustomers.get(request.params.id),
  );
}
