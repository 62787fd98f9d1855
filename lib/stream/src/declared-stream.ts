import { createStreamConnection, type StreamConnection } from './connection.js';
import type { StreamLogger } from './logger.js';
import { ensureStream, type StreamArguments } from './stream-admin.js';

/** The broker settings every service reads from its environment (service-kit's CommonEnv). */
export interface BrokerEnv {
  RABBITMQ_HOST: string;
  RABBITMQ_STREAM_PORT: number;
  RABBITMQ_USER: string;
  RABBITMQ_PASSWORD: string;
  RABBITMQ_VHOST: string;
  RABBITMQ_MANAGEMENT_URL: string;
}

/**
 * A connection (not started yet) that declares `stream` (with `args`) on every (re)connect, before
 * any publisher or consumer registered later is declared: what both services need from the broker.
 */
export function connectDeclaredStream(
  env: BrokerEnv,
  options: { connectionName: string; stream: string; args: StreamArguments; logger: StreamLogger },
): StreamConnection {
  const connection = createStreamConnection(
    {
      host: env.RABBITMQ_HOST,
      port: env.RABBITMQ_STREAM_PORT,
      user: env.RABBITMQ_USER,
      password: env.RABBITMQ_PASSWORD,
      vhost: env.RABBITMQ_VHOST,
      connectionName: options.connectionName,
    },
    options.logger,
  );
  const management = {
    url: env.RABBITMQ_MANAGEMENT_URL,
    user: env.RABBITMQ_USER,
    password: env.RABBITMQ_PASSWORD,
    vhost: env.RABBITMQ_VHOST,
  };
  connection.onReady((client) =>
    ensureStream(client, options.stream, options.args, { management, logger: options.logger }),
  );
  return connection;
}
