import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import { HttpError } from './errors.js';

/** What a bearer token may do. A route that needs one declares it: `config: { auth: 'operator' }`. */
export type Scope = 'operator' | 'reader' | 'metrics';

/** Each scope, the variable that holds its token, and its name in the OpenAPI document. */
export const SCOPES: Record<Scope, { variable: string; scheme: string; description: string }> = {
  operator: {
    variable: 'OPERATOR_TOKEN',
    scheme: 'operatorToken',
    description: 'OPERATOR_TOKEN: operator routes (/admin/*, /replica/*, /internal/*)',
  },
  reader: { variable: 'READER_TOKEN', scheme: 'readerToken', description: 'READER_TOKEN: listing every customer (GET /customers)' },
  metrics: { variable: 'METRICS_TOKEN', scheme: 'metricsToken', description: 'METRICS_TOKEN: GET /metrics, when the service sets it' },
};

export type AuthTokens = Partial<Record<Scope, string | undefined>>;

/** What the request's Authorization header proved: nothing sent, a token no scope has, or the scopes of a known token. */
export type Credentials = { kind: 'none' } | { kind: 'invalid' } | { kind: 'valid'; scopes: ReadonlySet<Scope>; client: string };

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scope a bearer token needs for this route; without it the route is open. */
    auth?: Scope;
  }
  interface FastifyRequest {
    /** Set for every request; on an open route too, so that it can tell a known client (e.g. to scope its keys). */
    credentials: Credentials;
  }
}

const NONE: Credentials = { kind: 'none' };
/** Fastify refuses an object as a request decorator's initial value; every request gets one in onRequest. */
const NONE_VALUE = null as unknown as Credentials;
const INVALID: Credentials = { kind: 'invalid' };

const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest();

/** The token of `Authorization: Bearer <token>` (scheme case-insensitive), else undefined. */
export function bearerTokenOf(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^Bearer +(\S+) *$/i.exec(header);
  return match?.[1];
}

/**
 * Resolves a presented token against the configured ones. Every configured token is compared, each in
 * constant time on SHA-256 digests (equal lengths whatever was sent): neither the time taken nor the
 * first match tells an attacker how much of a guess was right. The same value in two variables grants
 * both scopes (e.g. READER_TOKEN=$OPERATOR_TOKEN lets the operator list customers).
 */
export function tokenResolver(tokens: AuthTokens): (header: string | undefined) => Credentials {
  const known = (Object.entries(tokens) as Array<[Scope, string | undefined]>)
    .filter((entry): entry is [Scope, string] => typeof entry[1] === 'string' && entry[1] !== '')
    .map(([scope, token]) => ({ scope, digest: digest(token) }));
  return (header) => {
    if (header === undefined) return NONE;
    const token = bearerTokenOf(header);
    if (token === undefined) return NONE;
    const presented = digest(token);
    const scopes = new Set<Scope>();
    for (const key of known) if (timingSafeEqual(presented, key.digest)) scopes.add(key.scope);
    if (scopes.size === 0) return INVALID;
    return { kind: 'valid', scopes, client: [...scopes].sort().join('+') };
  };
}

export interface AuthOptions {
  tokens: AuthTokens;
  /** The realm of the WWW-Authenticate challenge: the service's name. */
  realm: string;
}

/** The schema that describes the security schemes in the OpenAPI document (@fastify/swagger's `components`). */
export function securitySchemes() {
  return Object.fromEntries(
    Object.values(SCOPES).map(({ scheme, description }) => [scheme, { type: 'http' as const, scheme: 'bearer', description }]),
  );
}

/**
 * Bearer-token authentication by scope, declared per route (`config: { auth: 'operator' }`): the route
 * then answers 401 `unauthorized` (with a WWW-Authenticate challenge) without a token or with an unknown
 * one, and 403 `forbidden` to a known token of another scope. A scope whose variable is unset locks its
 * routes: they refuse everyone (401), never open by default. Checked in onRequest, before the body is
 * read or validated. The OpenAPI document shows each protected route's scheme and its 401/403 answers,
 * and one line at start says which routes are protected and which are locked. Routes under /admin,
 * /internal and /replica are operator routes whether they declare it or not (secure by default).
 * Register it before the routes it guards (and before @fastify/swagger).
 */
export const bearerAuth = fp<AuthOptions>(
  async (app: FastifyInstance, options) => {
    const resolve = tokenResolver(options.tokens);
    const protectedRoutes = new Map<string, Scope>();

    app.decorateRequest<Credentials>('credentials', NONE_VALUE);
    app.addHook('onRequest', (request, _reply, done) => {
      request.credentials = resolve(request.headers.authorization);
      done();
    });

    app.addHook('onRoute', (route: RouteOptions) => {
      const scope = route.config?.auth ?? (isOperatorPath(route.url) ? 'operator' : undefined);
      if (scope === undefined) return;
      if (!(scope in SCOPES)) throw new Error(`route ${route.url}: unknown auth scope "${String(scope)}"`);
      route.onRequest = [...hooksOf(route.onRequest), guard(scope, options)];
      route.schema = {
        ...route.schema,
        security: [{ [SCOPES[scope].scheme]: [] }],
        response: {
          ...(route.schema?.response as object | undefined),
          401: { $ref: 'ErrorBody', description: `unauthorized: no bearer token, an unknown one, or ${SCOPES[scope].variable} unset` },
          403: { $ref: 'ErrorBody', description: `forbidden: a token without the ${scope} scope` },
        },
      };
      for (const method of [route.method].flat()) if (method !== 'HEAD') protectedRoutes.set(`${method} ${route.url}`, scope);
    });

    app.addHook('onReady', async () => {
      if (protectedRoutes.size === 0) return;
      const locked = [...protectedRoutes].filter(([, scope]) => !options.tokens[scope]).map(([route]) => route);
      const unset = [...new Set(protectedRoutes.values())].filter((scope) => !options.tokens[scope]).map((scope) => SCOPES[scope].variable);
      if (locked.length > 0) {
        app.log.warn({ locked, unset, protected: [...protectedRoutes.keys()] }, `routes locked (they answer 401 to everyone): ${unset.join(', ')} not set`);
      } else {
        app.log.info({ protected: [...protectedRoutes.keys()] }, 'protected routes need their bearer token');
      }
    });
  },
  { name: 'bearer-auth' },
);

/** Operator routes by their path: they need the operator's token even when they forget to say so. */
const OPERATOR_PATH = /^\/(admin|internal|replica)(\/|$)/;

export const isOperatorPath = (url: string) => OPERATOR_PATH.test(url);

function hooksOf(hooks: RouteOptions['onRequest']): onRequestHookHandler[] {
  if (hooks === undefined) return [];
  return (Array.isArray(hooks) ? hooks : [hooks]) as onRequestHookHandler[];
}

function guard(scope: Scope, options: AuthOptions) {
  const { variable } = SCOPES[scope];
  const realm = `Bearer realm="${options.realm}"`;
  return async function requireScope(request: FastifyRequest, reply: FastifyReply) {
    const credentials = request.credentials;
    if (!options.tokens[scope]) {
      void reply.header('www-authenticate', realm);
      throw new HttpError(401, 'unauthorized', `this route is locked: ${variable} is not set on the service`);
    }
    if (credentials.kind === 'none') {
      void reply.header('www-authenticate', realm);
      throw new HttpError(401, 'unauthorized', `this route needs a bearer token: Authorization: Bearer <${variable}>`);
    }
    if (credentials.kind === 'invalid') {
      void reply.header('www-authenticate', `${realm}, error="invalid_token"`);
      throw new HttpError(401, 'unauthorized', 'the bearer token is not valid');
    }
    if (!credentials.scopes.has(scope)) {
      void reply.header('www-authenticate', `${realm}, error="insufficient_scope", scope="${scope}"`);
      throw new HttpError(403, 'forbidden', `this route needs the ${scope} scope (${variable})`);
    }
  };
}
