import type { HttpServer } from '@demo/service-kit';
import { CreateCustomerBody, Customer, IdempotencyHeaders, errorResponse } from '../../schemas/customer.js';
import type { CustomerService } from '../../services/customers.js';

export function createCustomerRoute(app: HttpServer, customers: CustomerService) {
  app.post(
    '/customers',
    {
      schema: {
        tags: ['customers'],
        summary: 'Create a customer (emits customer.created)',
        body: CreateCustomerBody,
        headers: IdempotencyHeaders,
        response: {
          201: Customer,
          400: errorResponse('validation_failed, invalid_json, invalid_encoding'),
          409: errorResponse('email_taken: the email is used by another customer (case-insensitive)'),
          413: errorResponse('payload_too_large: body over 64 KiB'),
          422: errorResponse('idempotency_key_reused: the same Idempotency-Key with another body'),
        },
      },
    },
    async (request, reply) => {
      const { status, body } = await customers.create(
        request.body,
        { correlationId: request.id, log: request.log },
        request.headers['idempotency-key'],
      );
      return reply.status(status as 201).send(body as Customer);
    },
  );
}
