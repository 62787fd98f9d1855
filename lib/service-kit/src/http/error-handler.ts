import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { HttpError, isDatabaseUnavailable, type ErrorBody } from './errors.js';

const FASTIFY_CODES: Record<string, [number, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'payload_too_large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'invalid_content_length'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'invalid_json'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'invalid_json'],
  FST_ERR_CTP_INVALID_TYPE: [400, 'invalid_content_type'],
};

/**
 * One error handler for the whole service: 4xx keep their message, bad input never becomes a
 * 5xx, an unreachable database is a 503, anything else is logged and answered generically.
 */
export const errorHandler = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      const [status, body] = classify(error);
      if (status >= 500) {
        request.log.error({ err: error }, 'request failed');
      } else if (status === 429) {
        // Answered beyond the rate limit, as often as a client floods: a line each would flood the log.
        request.log.debug({ status, error: body.error }, body.message);
      } else {
        request.log.info({ status, error: body.error }, body.message);
      }
      return reply.status(status).send(body);
    });
    app.setNotFoundHandler((request, reply) =>
      reply.status(404).send({ error: 'not_found', message: `route ${request.method} ${request.url.split('?')[0]} not found` }),
    );
  },
  { name: 'error-handler' },
);

export function classify(error: FastifyError): [number, ErrorBody] {
  if (error instanceof HttpError) return [error.statusCode, { error: error.code, message: error.message }];
  if (error.validation) {
    return [400, { error: 'validation_failed', message: error.message }];
  }
  const known = error.code ? FASTIFY_CODES[error.code] : undefined;
  if (known) return [known[0], { error: known[1], message: error.message }];
  if (error instanceof SyntaxError) return [400, { error: 'invalid_json', message: error.message }];
  if (isDatabaseUnavailable(error)) {
    return [503, { error: 'database_unavailable', message: 'the database is not reachable; try again shortly' }];
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return [status, { error: 'bad_request', message: error.message }];
  return [500, { error: 'internal_error', message: 'internal error' }];
}
