import { notFound, type HttpServer } from '@demo/service-kit';
import { Customer, CustomerParams, UpdateAddressBody, errorResponse } from '../../schemas/customer.js';
import type { CustomerService } from '../../services/customers.js';

export function updateAddressRoute(app: HttpServer, customers: CustomerService) {
  app.put(
    '/customers/:id/address',
    {
      schema: {
        tags: ['customers'],
        summary: 'Change the address (version + 1, emits customer.address.updated)',
        params: CustomerParams,
        body: UpdateAddressBody,
        response: {
          200: Customer,
          400: errorResponse('validation_failed, invalid_json: malformed id or body'),
          404: errorResponse('not_found: unknown or deleted customer'),
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      const result = await customers.updateAddress(id, request.body.address, { correlationId: request.id, log: request.log });
      if (result.kind === 'not_found') throw notFound(`customer ${id} not found`);
      return result.customer;
    },
  );
}
