import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Where the running system is (the defaults of `make dependencies`); overridable by environment. */
export interface Settings {
  repo: string;
  customerUrl: string;
  orderUrls: Record<OrderInstance, string>;
  customerDbUrl: string;
  orderDbUrl: string;
  stream: { host: string; port: number; user: string; password: string; name: string };
  managementUrl: string;
  rabbitmqRoot: string;
}

export type OrderInstance = 'order-1' | 'order-2';
export const ORDER_INSTANCES: readonly OrderInstance[] = ['order-1', 'order-2'];
export type ServiceName = 'customer' | OrderInstance;

export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  // dist/src/settings.js → the repository root is three levels up.
  const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
  const home = env.HOME ?? '/root';
  return {
    repo,
    customerUrl: env.CUSTOMER_URL ?? 'http://127.0.0.1:8080',
    orderUrls: { 'order-1': env.ORDER_1_URL ?? 'http://127.0.0.1:8081', 'order-2': env.ORDER_2_URL ?? 'http://127.0.0.1:8082' },
    customerDbUrl: env.CUSTOMER_DATABASE_URL ?? 'postgres://app:app@127.0.0.1:5432/customer_db',
    orderDbUrl: env.ORDER_DATABASE_URL ?? 'postgres://app:app@127.0.0.1:5432/order_db',
    stream: {
      host: env.RABBITMQ_HOST ?? '127.0.0.1',
      port: Number(env.RABBITMQ_STREAM_PORT ?? 5552),
      user: env.RABBITMQ_USER ?? 'guest',
      password: env.RABBITMQ_PASSWORD ?? 'guest',
      name: env.STREAM_NAME ?? 'customer',
    },
    managementUrl: env.RABBITMQ_MANAGEMENT_URL ?? 'http://127.0.0.1:15672',
    rabbitmqRoot: env.RABBITMQ_ROOT_CACHE
      ? path.join(env.RABBITMQ_ROOT_CACHE, 'rabbitmq-root')
      : path.join(env.XDG_CACHE_HOME ?? path.join(home, '.cache'), 'rabbitmq-streams-demo', 'rabbitmq-root'),
  };
}
