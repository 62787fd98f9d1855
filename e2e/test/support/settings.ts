import { baseUrl, ConfigError, loadConfig, SystemEnv, urlList } from '@demo/service-kit/config';
import { brokerOf } from '@demo/service-kit/system';
import Type from 'typebox';

/** What the suite reads from the environment: where the system is (SystemEnv) and its own two knobs. */
export const E2eEnv = {
  ...SystemEnv,
  /**
   * E2E_SHARED=1: other traffic (a load test, the chaos suite) may hit the same system while the suite
   * runs, so metric deltas are checked as "at least" instead of "exactly". Off by default.
   */
  E2E_SHARED: Type.Union([Type.Literal('0'), Type.Literal('1')], { default: '0' }),
  /** A Prometheus that already answers here is reused (make monitoring); otherwise the suite starts one. */
  PROMETHEUS_URL: Type.String({ default: 'http://127.0.0.1:9090', pattern: '^https?://' }),
};

/** An order-service instance by the name scripts/services.sh gives it (order-<n> for the n-th of ORDER_URLS). */
export interface OrderInstance {
  name: `order-${number}`;
  url: string;
}

export interface E2eSettings {
  customerUrl: string;
  orderInstances: OrderInstance[];
  customerDatabaseUrl: string;
  orderDatabaseUrl: string;
  broker: { host: string; port: number; user: string; password: string; vhost: string };
  streamName: string;
  sharedSystem: boolean;
  prometheusUrl: string;
  /** The services' tokens (make dependencies writes them into .run/tokens.env), for the protected routes. */
  tokens: { operator: string | undefined; reader: string | undefined };
}

/** Throws a ConfigError naming the variable on a bad value; failover needs two order-service instances. */
export function readE2eSettings(env: NodeJS.ProcessEnv = process.env): E2eSettings {
  const settings = loadConfig(E2eEnv, env);
  const orderUrls = urlList(settings.ORDER_URLS);
  if (orderUrls.length < 2) {
    throw new ConfigError(`invalid configuration: ORDER_URLS lists ${orderUrls.length} order-service instance; the suite needs two (failover)`);
  }
  return {
    customerUrl: baseUrl(settings.CUSTOMER_URL),
    orderInstances: orderUrls.map((url, index) => ({ name: `order-${index + 1}`, url })),
    customerDatabaseUrl: settings.CUSTOMER_DATABASE_URL,
    orderDatabaseUrl: settings.ORDER_DATABASE_URL,
    broker: brokerOf(settings),
    streamName: settings.STREAM_NAME,
    sharedSystem: settings.E2E_SHARED === '1',
    prometheusUrl: baseUrl(settings.PROMETHEUS_URL),
    tokens: { operator: settings.OPERATOR_TOKEN, reader: settings.READER_TOKEN },
  };
}
