import { notFound, type HttpServer } from '@demo/service-kit';
import Type from 'typebox';
import { CustomerParams, errorResponse } from '../../schemas/customer.js';
import type { CustomerService } from '../../services/customers.js';

export function deleteCustomerRoute(app: HttpServer, customers: CustomerService) {
  app.delete(
    '/customers/:id',
    {
      schema: {
        tags: ['customers'],
        summary: 'Delete (soft): GET answers 404 afterwards, the email is freed, emits customer.deleted',
        params: CustomerParams,
        response: {
          204: Type.Null({ description: 'deleted' }),
          400: errorResponse('validation_failed: malformed id'),
          404: errorResponse('not_found: unknown or already deleted customer'),
        },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const result = await customers.delete(id, { correlationId: request.id, log: request.log });
      if (result.kind === 'not_found') throw notFound(`customer ${id} not found`);
      return reply.status(204).send(null);
    },
  );
}
