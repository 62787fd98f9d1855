import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { baseUrl, ConfigError, loadConfig, SystemEnv, urlList } from '@demo/service-kit/config';
import Type from 'typebox';

/** An order-service instance by the name scripts/services.sh gives the n-th of ORDER_URLS. */
export type OrderInstance = `order-${number}`;
export type ServiceName = 'customer' | OrderInstance;

/** Where the running system is (the defaults of `make dependencies`); overridable by environment. */
export interface Settings {
  repo: string;
  customerUrl: string;
  /** In the order of ORDER_URLS. */
  orders: ReadonlyArray<{ name: OrderInstance; url: string }>;
  customerDbUrl: string;
  orderDbUrl: string;
  stream: { host: string; port: number; user: string; password: string; vhost: string; name: string };
  managementUrl: string;
  rabbitmqRoot: string;
  /** The services' tokens, for the protected routes the bad-input checks call. */
  tokens: { OPERATOR_TOKEN: string | undefined; READER_TOKEN: string | undefined };
}

/** SystemEnv plus where scripts/infra.sh keeps the RabbitMQ root (its own variables, for rabbitmqctl). */
export const ReliabilityEnv = {
  ...SystemEnv,
  RABBITMQ_ROOT_CACHE: Type.Optional(Type.String({ minLength: 1 })),
  XDG_CACHE_HOME: Type.Optional(Type.String({ minLength: 1 })),
  HOME: Type.String({ default: '/root', minLength: 1 }),
};

/** Throws a ConfigError naming the variable on a bad value; the failover faults need two order-service instances. */
export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  // dist/src/settings.js → the repository root is three levels up.
  const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
  const settings = loadConfig(ReliabilityEnv, env);
  const orderUrls = urlList(settings.ORDER_URLS);
  if (orderUrls.length < 2) {
    throw new ConfigError(`invalid configuration: ORDER_URLS lists ${orderUrls.length} order-service instance; failover needs two`);
  }
  return {
    repo,
    customerUrl: baseUrl(settings.CUSTOMER_URL),
    orders: orderUrls.map((url, index) => ({ name: `order-${index + 1}` as const, url })),
    customerDbUrl: settings.CUSTOMER_DATABASE_URL,
    orderDbUrl: settings.ORDER_DATABASE_URL,
    stream: {
      host: settings.RABBITMQ_HOST,
      port: settings.RABBITMQ_STREAM_PORT,
      user: settings.RABBITMQ_USER,
      password: settings.RABBITMQ_PASSWORD,
      vhost: settings.RABBITMQ_VHOST,
      name: settings.STREAM_NAME,
    },
    managementUrl: baseUrl(settings.RABBITMQ_MANAGEMENT_URL),
    tokens: { OPERATOR_TOKEN: settings.OPERATOR_TOKEN, READER_TOKEN: settings.READER_TOKEN },
    rabbitmqRoot: settings.RABBITMQ_ROOT_CACHE
      ? path.join(settings.RABBITMQ_ROOT_CACHE, 'rabbitmq-root')
      : path.join(settings.XDG_CACHE_HOME ?? path.join(settings.HOME, '.cache'), 'rabbitmq-streams-demo', 'rabbitmq-root'),
  };
}

/** The services of the running system by name: customer, then the order instances. */
export function serviceNames(settings: Settings): ServiceName[] {
  return ['customer', ...settings.orders.map((order) => order.name)];
}
