import { notFound, type HttpServer } from '@demo/service-kit';
import { Customer, CustomerParams, errorResponse } from '../../schemas/customer.js';
import type { CustomerService } from '../../services/customers.js';

export function getCustomerRoute(app: HttpServer, customers: CustomerService) {
  app.get(
    '/customers/:id',
    {
      schema: {
        tags: ['customers'],
        summary: 'One customer',
        params: CustomerParams,
        response: {
          200: Customer,
          400: errorResponse('validation_failed: malformed id'),
          404: errorResponse('not_found: unknown or deleted customer'),
        },
      },
    },
    async (request) => {
      const customer = await customers.get(request.params.id);
      if (!customer) throw notFound(`customer ${request.params.id} not found`);
      return customer;
    },
  );
}
