import type { HttpServer } from '@demo/service-kit';
import { CustomerPage, ListCustomersQuery, errorResponse } from '../../schemas/customer.js';
import type { CustomerService } from '../../services/customers.js';

export function listCustomersRoute(app: HttpServer, customers: CustomerService) {
  app.get(
    '/customers',
    {
      // Every customer's personal data, page after page: a reader's only.
      config: { auth: 'reader' },
      schema: {
        tags: ['customers'],
        summary: 'Live customers in id order, a page at a time (keyset pagination)',
        querystring: ListCustomersQuery,
        response: { 200: CustomerPage, 400: errorResponse('validation_failed: bad limit or cursor') },
      },
    },
    async (request) => customers.list(request.query.after, request.query.limit),
  );
}
