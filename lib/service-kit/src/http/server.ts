import { isUtf8 } from 'node:buffer';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import Fastify, { LogController, type FastifyInstance, type FastifyBaseLogger, type RawServerDefault } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import sjson from 'secure-json-parse';
import { AuthEnv, HttpEnv, loadConfig, type ConfigOf } from '../config.js';
import { bearerAuth, securitySchemes } from './auth.js';
import { CORRELATION_HEADER, correlationIdOf } from './correlation-id.js';
import { drainRejectedBody } from './drain-rejected-body.js';
import { requestLimits, serverOptions } from './limits.js';
import { errorHandler } from './error-handler.js';
import { ErrorBody, HttpError } from './errors.js';
import { httpMetrics } from './metrics.js';
import { requestLoggerFactory } from './request-logger.js';

export type HttpServer = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface HttpServerOptions {
  logger: Logger;
  registry: Registry;
  title: string;
  description: string;
  version: string;
  /** Larger bodies get 413. */
  bodyLimit?: number;
  /** The service's settings of the HTTP layer (its config has them: serviceEnv); unset ones take their defaults. */
  settings?: Partial<HttpServerSettings>;
}

/** What createHttpServer reads from a service's configuration. */
export const HttpServerEnv = { ...AuthEnv, ...HttpEnv };
export type HttpServerSettings = ConfigOf<typeof HttpServerEnv>;

/** A JSON \u0000 escape (preceded by an even number of backslashes, i.e. not itself escaped). */
const NUL_ESCAPE = /(?:^|[^\\])(?:\\\\)*\\u0000/i;

/**
 * Where a JSON body breaks, from the parser's message; never the message itself, which quotes the
 * body (personal data, into the answer and the log line of every 4xx).
 */
function positionOf(error: unknown): string {
  const position = /at position (\d+)/.exec((error as Error).message)?.[1];
  return position === undefined ? '' : ` (at position ${position})`;
}

function ajvFor(coerceTypes: boolean) {
  const ajv = new Ajv({ coerceTypes, useDefaults: true, removeAdditional: false, allErrors: false, strict: false });
  addFormats.default(ajv);
  return ajv;
}

/**
 * The HTTP foundation both services share: JSON errors, correlation ids, metrics, OpenAPI docs
 * at /docs, strict bodies (no type coercion) and coerced query strings and params, bearer tokens
 * for the routes that declare a scope (`config: { auth: 'operator' }`, see auth.ts), timeouts,
 * header limits and a rate limit per client address (limits.ts).
 */
export async function createHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const settings: HttpServerSettings = { ...loadConfig(HttpServerEnv, {}), ...options.settings };
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    genReqId: correlationIdOf,
    // Request lines are ours (debug level, below); every line of a request carries correlation_id.
    logController: new LogController({ requestIdLogLabel: 'correlation_id', disableRequestLogging: true }),
    childLoggerFactory: requestLoggerFactory,
    return503OnClosing: true,
    ...serverOptions(settings),
  }).withTypeProvider<TypeBoxTypeProvider>();

  const strict = ajvFor(false);
  const coercing = ajvFor(true);
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? strict : coercing).compile(schema as object),
  );

  // JSON bodies must be valid UTF-8 and plain JSON (no prototype poisoning).
  // JSON only: any other content type is a 415 (Fastify would otherwise parse text/plain as a string).
  app.removeContentTypeParser('text/plain');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const buffer = body as Buffer;
    if (!isUtf8(buffer)) return done(new HttpError(400, 'invalid_encoding', 'body is not valid UTF-8'), undefined);
    if (buffer.length === 0) {
      // Many clients send `content-type: application/json` on every request, a DELETE without a
      // body included: a route that takes no body is answered as if the header were not there.
      if (request.routeOptions.schema?.body === undefined) return done(null, undefined);
      return done(new HttpError(400, 'invalid_json', 'body is empty'), undefined);
    }
    if (NUL_ESCAPE.test(buffer.toString('latin1'))) {
      // Valid JSON, but no PostgreSQL text column can hold a NUL character.
      return done(new HttpError(400, 'invalid_encoding', 'NUL characters (\\u0000) are not accepted'), undefined);
    }
    try {
      done(null, sjson.parse(buffer.toString('utf8'), undefined, { protoAction: 'error', constructorAction: 'error' }));
    } catch (error) {
      done(new HttpError(400, 'invalid_json', `body is not valid JSON${positionOf(error)}`), undefined);
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    void reply.header(CORRELATION_HEADER, request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.debug(
      { method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request completed',
    );
  });

  app.addSchema(ErrorBody);
  // Before authentication: a flood of requests without a token is counted too.
  await app.register(requestLimits, { limits: settings });
  await app.register(bearerAuth, {
    realm: options.title,
    tokens: { operator: settings.OPERATOR_TOKEN, reader: settings.READER_TOKEN, metrics: settings.METRICS_TOKEN },
  });
  await app.register(swagger, {
    openapi: {
      info: { title: options.title, description: options.description, version: options.version },
      components: { securitySchemes: securitySchemes() },
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(errorHandler);
  await app.register(drainRejectedBody);
  await app.register(httpMetrics, { registry: options.registry, protect: settings.METRICS_TOKEN !== undefined });
  return app;
}
