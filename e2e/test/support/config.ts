import { fileURLToPath } from 'node:url';
import { CUSTOMER_URL, ORDER_URLS } from '../env.js';

export { CUSTOMER_URL, ORDER_URLS };

/** The repository root (scripts/services.sh and .run/ live there). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The order-service instances of scripts/services.sh, by name and URL. */
export interface OrderInstance {
  name: 'order-1' | 'order-2';
  url: string;
}
export const ORDER_INSTANCES: OrderInstance[] = [
  { name: 'order-1', url: ORDER_URLS[0] ?? 'http://127.0.0.1:8081' },
  { name: 'order-2', url: ORDER_URLS[1] ?? 'http://127.0.0.1:8082' },
];

export const CUSTOMER_DB_URL = process.env.CUSTOMER_DATABASE_URL ?? 'postgres://app:app@127.0.0.1:5432/customer_db';
export const ORDER_DB_URL = process.env.ORDER_DATABASE_URL ?? 'postgres://app:app@127.0.0.1:5432/order_db';

export const BROKER = {
  host: process.env.RABBITMQ_HOST ?? '127.0.0.1',
  port: Number(process.env.RABBITMQ_STREAM_PORT ?? 5552),
  user: process.env.RABBITMQ_USER ?? 'guest',
  password: process.env.RABBITMQ_PASSWORD ?? 'guest',
};

/**
 * E2E_SHARED=1: other traffic (a load test, the chaos suite) may hit the same system while the suite
 * runs, so metric deltas are checked as "at least" instead of "exactly". Off by default.
 */
export const SHARED_SYSTEM = process.env.E2E_SHARED === '1';
