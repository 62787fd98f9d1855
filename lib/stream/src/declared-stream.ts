import { readFileSync } from 'node:fs';
import { createStreamConnection, type Endpoint, type StreamConnection, type StreamTls } from './connection.js';
import type { StreamLogger } from './logger.js';
import { ensureStream, ensureSuperStream, type StreamArguments } from './stream-admin.js';

/** The broker settings every service reads from its environment (service-kit's CommonEnv). */
export interface BrokerEnv {
  RABBITMQ_HOST: string;
  RABBITMQ_STREAM_PORT: number;
  /** `host:port,host:port,...`: the nodes of a cluster; overrides RABBITMQ_HOST and RABBITMQ_STREAM_PORT. */
  RABBITMQ_HOSTS?: string | undefined;
  RABBITMQ_USER: string;
  RABBITMQ_PASSWORD: string;
  RABBITMQ_VHOST: string;
  RABBITMQ_MANAGEMENT_URL: string;
  /** TLS on the stream connections (service-kit's CommonEnv checks the files at start). */
  RABBITMQ_TLS?: boolean;
  RABBITMQ_TLS_CA_FILE?: string | undefined;
  RABBITMQ_TLS_CERT_FILE?: string | undefined;
  RABBITMQ_TLS_KEY_FILE?: string | undefined;
  RABBITMQ_TLS_REJECT_UNAUTHORIZED?: boolean;
}

export type BrokerTlsEnv = Pick<BrokerEnv, 'RABBITMQ_TLS' | 'RABBITMQ_TLS_CA_FILE' | 'RABBITMQ_TLS_CERT_FILE' | 'RABBITMQ_TLS_KEY_FILE' | 'RABBITMQ_TLS_REJECT_UNAUTHORIZED'>;

/** The TLS options RABBITMQ_TLS* describe, with the PEM files read; undefined without RABBITMQ_TLS. */
export function brokerTls(env: BrokerTlsEnv): StreamTls | undefined {
  if (env.RABBITMQ_TLS !== true) return undefined;
  const pem = (file: string | undefined) => (file ? readFileSync(file, 'utf8') : undefined);
  const ca = pem(env.RABBITMQ_TLS_CA_FILE);
  const cert = pem(env.RABBITMQ_TLS_CERT_FILE);
  const key = pem(env.RABBITMQ_TLS_KEY_FILE);
  return { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}), rejectUnauthorized: env.RABBITMQ_TLS_REJECT_UNAUTHORIZED !== false };
}

/** A connection (not started yet) to the broker the environment names: one node, or a cluster's list. */
export function connectBroker(env: BrokerEnv, options: { connectionName: string; logger: StreamLogger }): StreamConnection {
  const tls = brokerTls(env);
  return createStreamConnection(
    {
      host: env.RABBITMQ_HOST,
      port: env.RABBITMQ_STREAM_PORT,
      ...(env.RABBITMQ_HOSTS ? { nodes: parseNodes(env.RABBITMQ_HOSTS) } : {}),
      user: env.RABBITMQ_USER,
      password: env.RABBITMQ_PASSWORD,
      vhost: env.RABBITMQ_VHOST,
      connectionName: options.connectionName,
      ...(tls ? { tls } : {}),
    },
    options.logger,
  );
}

/**
 * A connection (not started yet) that declares `stream` (with `args`) on every (re)connect, before
 * any publisher or consumer registered later is declared: what both services need from the broker.
 */
export function connectDeclaredStream(
  env: BrokerEnv,
  options: {
    connectionName: string;
    stream: string;
    /** More than 1: `stream` is a super stream of that many partitions, each declared with `args`. */
    partitions?: number;
    args: StreamArguments;
    logger: StreamLogger;
  },
): StreamConnection {
  const connection = connectBroker(env, options);
  const management = {
    url: env.RABBITMQ_MANAGEMENT_URL,
    user: env.RABBITMQ_USER,
    password: env.RABBITMQ_PASSWORD,
    vhost: env.RABBITMQ_VHOST,
  };
  const partitions = options.partitions ?? 1;
  connection.onReady((client) =>
    partitions > 1
      ? ensureSuperStream(client, options.stream, partitions, options.args)
      : ensureStream(client, options.stream, options.args, { management, logger: options.logger }),
  );
  return connection;
}

/** `host:port,host:port` (the port defaults to 5552). */
export function parseNodes(list: string): Endpoint[] {
  return list
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0)
    .map((entry) => {
      const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry);
      if (!match) throw new Error(`not a host:port: ${entry}`);
      return { host: match[1]!.replace(/^\[|\]$/g, ''), port: match[2] ? Number(match[2]) : 5552 };
    });
}
