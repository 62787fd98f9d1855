import type { HttpServer } from '@demo/service-kit';
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
    async (request) =>
      customers.updateAddress(request.params.id, request.body.address, { correlationId: request.id, log: request.log }),
  );
}
