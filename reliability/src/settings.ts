import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { baseUrl, ConfigError, loadConfig, SystemEnv, urlList } from '@demo/service-kit/config';
import { brokerTls, partitionStreams, type Endpoint, type StreamTls } from '@demo/stream';
import Type from 'typebox';
import { readRunEnv } from './run-env.js';
import { brokerSetOf, isCluster, type BrokerSet } from './topology.js';

/** An order-service instance by the name scripts/services.sh gives the n-th of ORDER_URLS. */
export type OrderInstance = `order-${number}`;
export type ServiceName = 'customer' | OrderInstance;

/** Where the running system is (the defaults of `make dependencies`); overridable by environment. */
export interface Settings {
  repo: string;
  /** scripts/services.sh's run directory (RUN_DIR): pid files and logs of the services. */
  runDir: string;
  customerUrl: string;
  /** In the order of ORDER_URLS. */
  orders: ReadonlyArray<{ name: OrderInstance; url: string }>;
  customerDbUrl: string;
  orderDbUrl: string;
  /**
   * order_db as its owner, for what must change its schema (the freeze fault's record of offset moves):
   * ORDER_DATABASE_URL when given (a second system's, whose databases the tools' role owns), else
   * order-service's own account (ORDER_SERVICE_DATABASE_URL: the tools' role only reads order_db).
   */
  orderOwnerDbUrl: string;
  /** `nodes`: every node of a cluster (the suite's clients then connect as the services do, to any live node). */
  stream: {
    /** RABBITMQ_TLS*: the suite's stream connections use TLS as the services do. */
    tls?: StreamTls;
    host: string;
    port: number;
    nodes?: Endpoint[];
    user: string;
    password: string;
    vhost: string;
    name: string;
    /** STREAM_PARTITIONS: 1 for a plain stream, more for a super stream of that many partitions. */
    partitions: number;
    /** The streams the events are on: `name` itself, or the super stream's partitions (name-0, name-1, ...). */
    streams: string[];
  };
  broker: BrokerSet;
  cluster: boolean;
  managementUrl: string;
  rabbitmqRoot: string;
  /** The services' tokens, for the protected routes the bad-input checks call, and /metrics when it is protected. */
  tokens: { OPERATOR_TOKEN: string | undefined; READER_TOKEN: string | undefined; METRICS_TOKEN: string | undefined };
  /** The order-service instances' progress watchdog (their APPLY_STALL_TIMEOUT_MS, read from the same environment). */
  applyStallTimeoutMs: number;
  /**
   * The environment of scripts/infra.sh and scripts/services.sh: the suite's own, over the run
   * directory's infra.env, with the broker set spelled out (BROKER_NODES, STREAM_NAME), so that
   * every verb reaches the nodes, databases and ports of the system under test.
   */
  scriptEnv: Record<string, string>;
}

/** SystemEnv plus the cluster and run-directory settings the services and scripts/infra.sh read. */
export const ReliabilityEnv = {
  ...SystemEnv,
  BROKER_NAME: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9]*$' })),
  BROKER_NODES: Type.Optional(Type.Integer({ minimum: 1, maximum: 9 })),
  BROKER_PORT_OFFSET: Type.Optional(Type.Integer({ minimum: 0, maximum: 50_000 })),
  RUN_DIR: Type.String({ default: '.run', minLength: 1 }),
  APPLY_STALL_TIMEOUT_MS: Type.Integer({ default: 30_000, minimum: 1_000 }),
  RABBITMQ_ROOT_CACHE: Type.Optional(Type.String({ minLength: 1 })),
  XDG_CACHE_HOME: Type.Optional(Type.String({ minLength: 1 })),
  HOME: Type.String({ default: '/root', minLength: 1 }),
};

// dist/src/settings.js → the repository root is three levels up.
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * Throws a ConfigError naming the variable on a bad value; the failover faults need two order-service
 * instances. `runEnv` reads the run directory's infra.env (beneath `env`).
 */
export function loadSettings(env: NodeJS.ProcessEnv = process.env, runEnv: (runDir: string) => Record<string, string> = readRunEnv): Settings {
  const runDir = path.resolve(REPO, env.RUN_DIR ?? '.run');
  const merged: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...runEnv(runDir), ...env })) if (value !== undefined) merged[name] = value;
  const settings = loadConfig(ReliabilityEnv, merged);
  const orderUrls = urlList(settings.ORDER_URLS);
  if (orderUrls.length < 2) {
    throw new ConfigError(`invalid configuration: ORDER_URLS lists ${orderUrls.length} order-service instance; failover needs two`);
  }
  const broker = brokerSetOf(settings);
  const tls = brokerTls(settings);
  const cluster = isCluster(broker);
  const first = broker.nodes[0]!;
  return {
    repo: REPO,
    runDir,
    customerUrl: baseUrl(settings.CUSTOMER_URL),
    orders: orderUrls.map((url, index) => ({ name: `order-${index + 1}` as const, url })),
    customerDbUrl: settings.CUSTOMER_DATABASE_URL,
    orderDbUrl: settings.ORDER_DATABASE_URL,
    orderOwnerDbUrl: merged.ORDER_DATABASE_URL ?? merged.ORDER_SERVICE_DATABASE_URL ?? settings.ORDER_DATABASE_URL,
    stream: {
      ...(tls ? { tls } : {}),
      host: cluster ? first.host : settings.RABBITMQ_HOST,
      port: cluster ? first.port : settings.RABBITMQ_STREAM_PORT,
      ...(cluster ? { nodes: broker.nodes } : {}),
      user: settings.RABBITMQ_USER,
      password: settings.RABBITMQ_PASSWORD,
      vhost: settings.RABBITMQ_VHOST,
      name: settings.STREAM_NAME,
      partitions: settings.STREAM_PARTITIONS,
      streams: settings.STREAM_PARTITIONS > 1 ? partitionStreams(settings.STREAM_NAME, settings.STREAM_PARTITIONS) : [settings.STREAM_NAME],
    },
    broker,
    cluster,
    managementUrl: baseUrl(settings.RABBITMQ_MANAGEMENT_URL),
    tokens: { OPERATOR_TOKEN: settings.OPERATOR_TOKEN, READER_TOKEN: settings.READER_TOKEN, METRICS_TOKEN: settings.METRICS_TOKEN },
    rabbitmqRoot: settings.RABBITMQ_ROOT_CACHE
      ? path.join(settings.RABBITMQ_ROOT_CACHE, 'rabbitmq-root')
      : path.join(settings.XDG_CACHE_HOME ?? path.join(settings.HOME, '.cache'), 'rabbitmq-streams-demo', 'rabbitmq-root'),
    applyStallTimeoutMs: settings.APPLY_STALL_TIMEOUT_MS,
    scriptEnv: {
      ...merged,
      RUN_DIR: runDir,
      BROKER_NODES: String(broker.nodes.length),
      STREAM_NAME: settings.STREAM_NAME,
      STREAM_PARTITIONS: String(settings.STREAM_PARTITIONS),
    },
  };
}

/** The services of the running system by name: customer, then the order instances. */
export function serviceNames(settings: Settings): ServiceName[] {
  return ['customer', ...settings.orders.map((order) => order.name)];
}
