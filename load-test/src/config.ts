import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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
  runDir: string;
  repoRoot: string;
}

export class ConfigError extends Error {}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name}=${raw} is not an integer between ${min} and ${max}`);
  }
  return value;
}

function share(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 1) throw new ConfigError(`${name}=${raw} is not a share between 0 and 1`);
  return value;
}

function oneOf<T extends string>(env: NodeJS.ProcessEnv, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new ConfigError(`${name}=${raw} is not one of ${allowed.join(', ')}`);
  return raw as T;
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const value = oneOf(env, name, ['1', '0', 'true', 'false', 'yes', 'no'], fallback ? '1' : '0');
  return value === '1' || value === 'true' || value === 'yes';
}

function url(env: NodeJS.ProcessEnv, name: string, fallback: string): string {
  const raw = env[name] || fallback;
  try {
    new URL(raw);
  } catch {
    throw new ConfigError(`${name}=${raw} is not a URL`);
  }
  return raw.replace(/\/$/, '');
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): LoadConfig {
  const concurrency = int(env, 'CONCURRENCY', 64, 1, 1024);
  const n = int(env, 'N', 100_000, 1, 10_000_000);
  const orderUrls = (env.ORDER_URLS || 'http://127.0.0.1:8081,http://127.0.0.1:8082')
    .split(',')
    .map((raw, i) => url({ [`ORDER_URLS[${i}]`]: raw.trim() }, `ORDER_URLS[${i}]`, raw.trim()));
  return {
    runId: env.RUN_ID || `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`,
    n,
    concurrency,
    unknownShare: share(env, 'UNKNOWN_SHARE', 0.1),
    updateShare: share(env, 'UPDATE_SHARE', 0.2),
    orders: int(env, 'ORDERS', Math.min(2_000, Math.max(2, Math.floor(n / 10))), 0),
    convergeTimeoutMs: int(env, 'CONVERGE_TIMEOUT_MS', 60_000, 100),
    requestTimeoutS: int(env, 'REQUEST_TIMEOUT_S', 10, 1, 600),
    maxRetries: int(env, 'MAX_RETRIES', 3, 0, 20),
    baselines: flag(env, 'BASELINES', true),
    idempotencyKeys: flag(env, 'IDEMPOTENCY_KEYS', true),
    baselineMessages: int(env, 'BASELINE_MESSAGES', 100_000, 1_000),
    rebuild: oneOf(env, 'REBUILD', ['on', 'off', 'auto'] as const, 'auto'),
    resultsDir: path.resolve(repoRoot, env.RESULTS_DIR || 'results'),
    customerUrl: url(env, 'CUSTOMER_URL', 'http://127.0.0.1:8080'),
    orderUrls,
    customerDatabaseUrl: url(env, 'CUSTOMER_DATABASE_URL', 'postgres://app:app@127.0.0.1:5432/customer_db'),
    orderDatabaseUrl: url(env, 'ORDER_DATABASE_URL', 'postgres://app:app@127.0.0.1:5432/order_db'),
    rabbit: {
      host: env.RABBITMQ_HOST || '127.0.0.1',
      port: int(env, 'RABBITMQ_STREAM_PORT', 5552, 1, 65_535),
      user: env.RABBITMQ_USER || 'guest',
      password: env.RABBITMQ_PASSWORD || 'guest',
      vhost: env.RABBITMQ_VHOST || '/',
    },
    runDir: path.resolve(repoRoot, env.RUN_DIR || '.run'),
    repoRoot,
  };
}
