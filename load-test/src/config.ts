import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { baseUrl, loadConfig as readEnv, SystemEnv, urlList } from '@demo/service-kit/config';
import { brokerOf } from '@demo/service-kit/system';
import Type from 'typebox';

export { ConfigError } from '@demo/service-kit/config';

/** Every knob of the load test, read once from the environment (the Makefile passes N and CONCURRENCY). */
export interface LoadConfig {
  runId: string;
  n: number;
  concurrency: number;
  unknownShare: number;
  updateShare: number;
  orders: number;
  convergeTimeoutMs: number;
  requestTimeoutS: number;
  maxRetries: number;
  baselines: boolean;
  /** Send an Idempotency-Key with each create (retries then return the original response). */
  idempotencyKeys: boolean;
  baselineMessages: number;
  rebuild: 'on' | 'off' | 'auto';
  resultsDir: string;
  customerUrl: string;
  orderUrls: string[];
  customerDatabaseUrl: string;
  orderDatabaseUrl: string;
  rabbit: { host: string; port: number; user: string; password: string; vhost: string };
  streamName: string;
  runDir: string;
  repoRoot: string;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const Flag = (fallback: boolean) =>
  Type.Union(['1', '0', 'true', 'false', 'yes', 'no'].map((value) => Type.Literal(value)), { default: fallback ? '1' : '0' });
const Share = (fallback: number) => Type.Number({ default: fallback, minimum: 0, maximum: 1 });

/** The load test's own knobs, beside SystemEnv. */
export const LoadEnv = {
  ...SystemEnv,
  /** The nodes of a cluster, as the services read it: the baselines then go through its first node. */
  N: Type.Integer({ default: 100_000, minimum: 1, maximum: 10_000_000 }),
  CONCURRENCY: Type.Integer({ default: 64, minimum: 1, maximum: 1024 }),
  UNKNOWN_SHARE: Share(0.1),
  UPDATE_SHARE: Share(0.2),
  /** Default: a tenth of N, between 2 and 2,000. */
  ORDERS: Type.Optional(Type.Integer({ minimum: 0 })),
  CONVERGE_TIMEOUT_MS: Type.Integer({ default: 60_000, minimum: 100 }),
  REQUEST_TIMEOUT_S: Type.Integer({ default: 10, minimum: 1, maximum: 600 }),
  MAX_RETRIES: Type.Integer({ default: 3, minimum: 0, maximum: 20 }),
  BASELINES: Flag(true),
  IDEMPOTENCY_KEYS: Flag(true),
  BASELINE_MESSAGES: Type.Integer({ default: 100_000, minimum: 1_000 }),
  REBUILD: Type.Union([Type.Literal('on'), Type.Literal('off'), Type.Literal('auto')], { default: 'auto' }),
  RUN_ID: Type.Optional(Type.String({ minLength: 1 })),
  RESULTS_DIR: Type.String({ default: 'results', minLength: 1 }),
  RUN_DIR: Type.String({ default: '.run', minLength: 1 }),
};

const isOn = (flag: string) => flag === '1' || flag === 'true' || flag === 'yes';

/** Throws a ConfigError naming the variable when a value is out of range. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): LoadConfig {
  const settings = readEnv(LoadEnv, env);
  const n = settings.N;
  return {
    runId: settings.RUN_ID ?? `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`,
    n,
    concurrency: settings.CONCURRENCY,
    unknownShare: settings.UNKNOWN_SHARE,
    updateShare: settings.UPDATE_SHARE,
    orders: settings.ORDERS ?? Math.min(20_000, Math.max(2, Math.floor(n / 5))),
    convergeTimeoutMs: settings.CONVERGE_TIMEOUT_MS,
    requestTimeoutS: settings.REQUEST_TIMEOUT_S,
    maxRetries: settings.MAX_RETRIES,
    baselines: isOn(settings.BASELINES),
    idempotencyKeys: isOn(settings.IDEMPOTENCY_KEYS),
    baselineMessages: settings.BASELINE_MESSAGES,
    rebuild: settings.REBUILD,
    resultsDir: path.resolve(repoRoot, settings.RESULTS_DIR),
    customerUrl: baseUrl(settings.CUSTOMER_URL),
    orderUrls: urlList(settings.ORDER_URLS),
    customerDatabaseUrl: settings.CUSTOMER_DATABASE_URL,
    orderDatabaseUrl: settings.ORDER_DATABASE_URL,
    rabbit: { ...brokerOf(settings), ...firstNodeOf(settings.RABBITMQ_HOSTS) },
    streamName: settings.STREAM_NAME,
    runDir: path.resolve(repoRoot, settings.RUN_DIR),
    repoRoot,
  };
}

/**
 * The first node of RABBITMQ_HOSTS (`host:port,...`), which overrides RABBITMQ_HOST and
 * RABBITMQ_STREAM_PORT as it does for the services. A client connected to any node of a cluster
 * reaches the stream's leader and replicas at the addresses the broker advertises.
 */
function firstNodeOf(hosts: string | undefined): { host: string; port: number } | undefined {
  const first = hosts?.split(',')[0]?.trim();
  if (!first) return undefined;
  const [host, port] = first.split(':');
  return { host: host!, port: port ? Number(port) : 5552 };
}
