import { envSchema } from 'env-schema';
import Type, { type Static, type TObject, type TProperties } from 'typebox';
import { databaseTlsProblems, unreadable } from './db/tls.js';

const tlsFile = (description: string) => Type.Optional(Type.String({ minLength: 1, description }));

/**
 * TLS on the stream connections (lib/stream's brokerTls): the broker's TLS listener is then the port of
 * RABBITMQ_STREAM_PORT / RABBITMQ_HOSTS (5551 by convention). The files are PEM, read at start.
 */
export const BrokerTlsEnv = {
  RABBITMQ_TLS: Type.Boolean({ default: false }),
  RABBITMQ_TLS_CA_FILE: tlsFile("the CAs that may sign the broker's certificate (default: Node's)"),
  RABBITMQ_TLS_CERT_FILE: tlsFile('a client certificate, for a broker that asks for one'),
  RABBITMQ_TLS_KEY_FILE: tlsFile("the client certificate's key"),
  /** false: encrypt without checking the broker's certificate (testing only). */
  RABBITMQ_TLS_REJECT_UNAUTHORIZED: Type.Boolean({ default: true }),
};

/** Settings every service reads; services extend it with their own. */
export const CommonEnv = {
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')], {
    default: 'development',
  }),
  /** The address to listen on: loopback unless told otherwise (containers set 0.0.0.0). */
  HOST: Type.String({ default: '127.0.0.1', minLength: 1 }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
    { default: 'info' },
  ),
  /** Name of this process in logs and metrics; defaults to service:port. */
  INSTANCE_ID: Type.Optional(Type.String({ minLength: 1 })),
  RABBITMQ_HOST: Type.String({ default: '127.0.0.1', minLength: 1 }),
  RABBITMQ_STREAM_PORT: Type.Integer({ default: 5552, minimum: 1, maximum: 65535 }),
  /** The nodes of a cluster, `host:port,host:port,...`; overrides RABBITMQ_HOST and RABBITMQ_STREAM_PORT. */
  RABBITMQ_HOSTS: Type.Optional(Type.String({ pattern: '^[^,:\\s]+(:\\d+)?(,[^,:\\s]+(:\\d+)?)*$' })),
  RABBITMQ_USER: Type.String({ default: 'guest', minLength: 1 }),
  RABBITMQ_PASSWORD: Type.String({ default: 'guest' }),
  RABBITMQ_VHOST: Type.String({ default: '/' }),
  RABBITMQ_MANAGEMENT_URL: Type.String({ default: 'http://127.0.0.1:15672', pattern: '^https?://' }),
  STREAM_NAME: Type.String({ default: 'customer', minLength: 1 }),
  /** 1: STREAM_NAME is a stream; more: a super stream of that many partitions (STREAM_NAME-0, -1, ...). */
  STREAM_PARTITIONS: Type.Integer({ default: 1, minimum: 1, maximum: 64 }),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ default: 10_000, minimum: 100 }),
  ...BrokerTlsEnv,
};

/** A bearer token (RFC 6750 token characters), long enough not to be guessed. */
const Token = (description: string) =>
  Type.Optional(Type.String({ minLength: 16, maxLength: 512, pattern: '^[A-Za-z0-9._~+/-]+=*$', description }));

/**
 * The bearer tokens of the services' protected routes (http/auth.ts). A scope whose token is unset
 * locks its routes (401 to everyone), except METRICS_TOKEN: unset, /metrics is open.
 */
export const AuthEnv = {
  OPERATOR_TOKEN: Token('operator routes: /admin/*, /replica/*, /internal/*'),
  READER_TOKEN: Token('GET /customers, the list of every customer'),
  METRICS_TOKEN: Token('GET /metrics; unset: /metrics is open'),
};

/** The limits of the HTTP server (http/limits.ts): timeouts, header sizes, requests per client address. */
export const HttpEnv = {
  /** The whole header block must arrive within this (slow-header clients, Slowloris): 408. */
  HTTP_HEADERS_TIMEOUT_MS: Type.Integer({ default: 10_000, minimum: 100, maximum: 600_000 }),
  /** The whole request, headers and body, must arrive within this: 408. At least HTTP_HEADERS_TIMEOUT_MS. */
  HTTP_REQUEST_TIMEOUT_MS: Type.Integer({ default: 30_000, minimum: 100, maximum: 600_000 }),
  /** An idle keep-alive connection is closed after this (above the 60 s idle timeout of common load balancers). */
  HTTP_KEEP_ALIVE_TIMEOUT_MS: Type.Integer({ default: 72_000, minimum: 100, maximum: 600_000 }),
  /** A socket on which nothing moves for this long is destroyed (e.g. a client that stops reading its answer). */
  HTTP_CONNECTION_TIMEOUT_MS: Type.Integer({ default: 120_000, minimum: 100, maximum: 3_600_000 }),
  /** Larger header blocks get 431 (Node's own default, stated). */
  HTTP_MAX_HEADER_BYTES: Type.Integer({ default: 16_384, minimum: 1_024, maximum: 1_048_576 }),
  /** More request headers get 431. */
  HTTP_MAX_HEADERS: Type.Integer({ default: 100, minimum: 10, maximum: 2_000 }),
  /** Requests per client address and minute (fixed window); more get 429 with Retry-After. */
  RATE_LIMIT_PER_MINUTE: Type.Integer({ default: 6_000, minimum: 1 }),
  /** Client addresses and networks (`10.0.0.0/8`) the rate limit does not apply to, comma-separated; empty: none. */
  RATE_LIMIT_ALLOW: Type.String({ default: '127.0.0.0/8,::1', pattern: '^[0-9A-Fa-f:.,/\\s]*$' }),
};

/** What every service's settings start with: CommonEnv, the port it listens on, its database, its tokens and HTTP limits. */
export function serviceEnv(defaults: { port: number; database: string }) {
  return {
    ...CommonEnv,
    ...AuthEnv,
    ...HttpEnv,
    PORT: Type.Integer({ default: defaults.port, minimum: 1, maximum: 65535 }),
    DATABASE_URL: Type.String({ default: `postgres://app:app@127.0.0.1:5432/${defaults.database}`, pattern: '^postgres(ql)?://' }),
    DATABASE_POOL_SIZE: Type.Integer({ default: 20, minimum: 1, maximum: 200 }),
  };
}

/** The settings an Env (a record of TypeBox schemas) describes, once read. */
export type ConfigOf<P extends TProperties> = Static<TObject<P>>;

export class ConfigError extends Error {}

/**
 * Reads and validates the environment. A bad value throws a ConfigError naming the variable,
 * e.g. `PORT: must be integer`, which main() prints before exiting.
 */
export function loadConfig<P extends TProperties>(properties: P, env: NodeJS.ProcessEnv = process.env): Static<TObject<P>> {
  const schema = Type.Object(properties);
  let config: Static<TObject<P>>;
  try {
    // env: false: only `env` counts (env-schema would otherwise merge process.env under it).
    config = envSchema<Static<TObject<P>>>({ schema: schema as object, data: env, env: false, dotenv: false });
  } catch (error) {
    const message = (error as Error).message
      .split(',')
      .map((part) => part.trim().replace(/^env\/?/, '').replace(/^\//, ''))
      .join('; ');
    throw new ConfigError(`invalid configuration: ${message}`);
  }
  const problems = tlsProblems(config as Record<string, unknown>);
  if (problems.length > 0) throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  return config;
}

/** TLS settings that cannot work, found at start rather than at the first connection: a file that cannot be read, a half-set pair. */
export function tlsProblems(config: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (key.endsWith('DATABASE_URL') && typeof value === 'string') problems.push(...databaseTlsProblems(key, value));
  }
  const files = ['RABBITMQ_TLS_CA_FILE', 'RABBITMQ_TLS_CERT_FILE', 'RABBITMQ_TLS_KEY_FILE'].filter((key) => typeof config[key] === 'string');
  if (files.length > 0 && config.RABBITMQ_TLS !== true) problems.push(`${files.join(', ')} set but RABBITMQ_TLS is not true`);
  if ((typeof config.RABBITMQ_TLS_CERT_FILE === 'string') !== (typeof config.RABBITMQ_TLS_KEY_FILE === 'string')) {
    problems.push('RABBITMQ_TLS_CERT_FILE and RABBITMQ_TLS_KEY_FILE go together');
  }
  for (const key of files) problems.push(...unreadable(key, config[key] as string));
  return problems;
}

/** An http(s) URL without spaces or commas. */
const HTTP_URL = 'https?://[^\\s\\x2c]+';

/**
 * Where the running system is (the defaults of `make dependencies`): what the tools that drive it from
 * outside (e2e, load-test, reliability) read, each adding its own knobs. The broker settings are the
 * services' own (CommonEnv), so a tool and a service given the same environment meet on the same stream.
 */
export const SystemEnv = {
  CUSTOMER_URL: Type.String({ default: 'http://127.0.0.1:8080', pattern: `^${HTTP_URL}$` }),
  /** Every order-service instance, comma-separated; the n-th is the instance scripts/services.sh calls order-<n>. */
  ORDER_URLS: Type.String({
    default: 'http://127.0.0.1:8081,http://127.0.0.1:8082',
    pattern: `^\\s*${HTTP_URL}\\s*(\\x2c\\s*${HTTP_URL}\\s*)*$`,
  }),
  CUSTOMER_DATABASE_URL: Type.String({ default: 'postgres://app:app@127.0.0.1:5432/customer_db', pattern: '^postgres(ql)?://' }),
  ORDER_DATABASE_URL: Type.String({ default: 'postgres://app:app@127.0.0.1:5432/order_db', pattern: '^postgres(ql)?://' }),
  STREAM_NAME: CommonEnv.STREAM_NAME,
  STREAM_PARTITIONS: CommonEnv.STREAM_PARTITIONS,
  RABBITMQ_HOST: CommonEnv.RABBITMQ_HOST,
  RABBITMQ_HOSTS: CommonEnv.RABBITMQ_HOSTS,
  RABBITMQ_STREAM_PORT: CommonEnv.RABBITMQ_STREAM_PORT,
  RABBITMQ_USER: CommonEnv.RABBITMQ_USER,
  RABBITMQ_PASSWORD: CommonEnv.RABBITMQ_PASSWORD,
  RABBITMQ_VHOST: CommonEnv.RABBITMQ_VHOST,
  RABBITMQ_MANAGEMENT_URL: CommonEnv.RABBITMQ_MANAGEMENT_URL,
  ...BrokerTlsEnv,
  /** The services' tokens, for a tool that reads the protected routes (the replica, parked events, the customer list). */
  OPERATOR_TOKEN: AuthEnv.OPERATOR_TOKEN,
  READER_TOKEN: AuthEnv.READER_TOKEN,
  METRICS_TOKEN: AuthEnv.METRICS_TOKEN,
};

export type SystemSettings = Static<TObject<typeof SystemEnv>>;

/** A base URL without its trailing slash, so that `${base}/path` has one. */
export function baseUrl(url: string): string {
  return url.trim().replace(/\/+$/, '');
}

/** A comma-separated list of URLs (ORDER_URLS) as base URLs, in order. */
export function urlList(list: string): string[] {
  return list
    .split(',')
    .map(baseUrl)
    .filter((url) => url !== '');
}
