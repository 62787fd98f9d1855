import pg from 'pg';
import type { SystemSettings } from './config.js';

/**
 * What the tools that drive the running system from outside (e2e, load-test, reliability) open on
 * it, from SystemEnv: both databases, and the broker's stream settings.
 */
export interface SystemDatabases {
  customer: pg.Pool;
  order: pg.Pool;
  close(): Promise<void>;
}

export function openSystemDatabases(
  settings: Pick<SystemSettings, 'CUSTOMER_DATABASE_URL' | 'ORDER_DATABASE_URL'>,
  options: { applicationName: string; max?: number },
): SystemDatabases {
  const poolOptions = { max: options.max ?? 2, application_name: options.applicationName, connectionTimeoutMillis: 5_000 };
  const customer = new pg.Pool({ connectionString: settings.CUSTOMER_DATABASE_URL, ...poolOptions });
  const order = new pg.Pool({ connectionString: settings.ORDER_DATABASE_URL, ...poolOptions });
  // An idle connection cut by the server (a restart, an outage) must not crash the tool: the next query reconnects.
  for (const pool of [customer, order]) pool.on('error', () => undefined);
  return {
    customer,
    order,
    async close() {
      await Promise.all([customer.end(), order.end()]);
    },
  };
}

/** The broker settings of SystemEnv, shaped as @demo/stream's StreamSettings (without a connection name). */
export function brokerOf(settings: SystemSettings) {
  return {
    host: settings.RABBITMQ_HOST,
    port: settings.RABBITMQ_STREAM_PORT,
    user: settings.RABBITMQ_USER,
    password: settings.RABBITMQ_PASSWORD,
    vhost: settings.RABBITMQ_VHOST,
  };
}

/**
 * The Authorization header a tool sends to a route of the running system: the operator's token on
 * the operator routes (/admin, /replica, /internal), the reader's on the customer list, none elsewhere.
 */
export function authorizationFor(
  method: string,
  path: string,
  tokens: Pick<SystemSettings, 'OPERATOR_TOKEN' | 'READER_TOKEN'>,
): Record<string, string> {
  const token = /^\/(admin|replica|internal)(\/|\?|$)/.test(path)
    ? tokens.OPERATOR_TOKEN
    : method === 'GET' && /^\/customers(\?|$)/.test(path)
      ? tokens.READER_TOKEN
      : undefined;
  return token ? { authorization: `Bearer ${token}` } : {};
}
