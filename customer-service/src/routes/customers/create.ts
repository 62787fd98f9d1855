import { conflict, HttpError, type Credentials, type HttpServer } from '@demo/service-kit';
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
      const key = request.headers['idempotency-key'];
      const result = await customers.create(
        request.body,
        { correlationId: request.id, log: request.log },
        key === undefined ? undefined : { scope: idempotencyScope('POST /customers', request.credentials), key },
      );
      switch (result.kind) {
        case 'created':
        case 'replayed':
          return reply.status(201).send(result.customer);
        case 'email_taken':
          // Not the email itself: an answer (and its log line) names no personal data.
          throw conflict('email_taken', 'this email is already used by another customer');
        case 'key_reused':
          throw new HttpError(422, 'idempotency_key_reused', 'this Idempotency-Key was used with another request body');
      }
    },
  );
}

/**
 * Whose Idempotency-Key it is: the route, and the client when it sent a known bearer token (the
 * token's scopes), else `anonymous`, one namespace for every client without a token.
 */
export function idempotencyScope(route: string, credentials: Credentials): string {
  return `${route} ${credentials.kind === 'valid' ? credentials.client : 'anonymous'}`;
}
