import { parseArgs } from 'node:util';
import { errorMessage } from '@demo/async';
import { ORDER_SERVICE_CONSUMER } from '@demo/contract';
import { ConfigError, createKysely, createPool, loadConfig, SystemEnv } from '@demo/service-kit';
import { brokerOf } from '@demo/service-kit/system';
import { brokerTls, createStreamConnection, partitionStreams } from '@demo/stream';
import type { Database } from '../db/schema.js';
import { collectStreamStatus } from '../services/stream-status.js';
import { EXIT, exitCodeOf, renderTable, toJson } from './stream-status-report.js';

const USAGE = `usage: npm run stream:status [-- --json]

Prints the stream's extent (broker statistics and management API), each consumer's stored offset
(order_db and broker), its lag in events and seconds, and whether the stream still holds what it
needs (a gap or a reset, as order-service judges it). Read only.

  --json   one JSON document instead of the table

Settings (environment): STREAM_NAME, STREAM_PARTITIONS, ORDER_DATABASE_URL, RABBITMQ_HOST, RABBITMQ_STREAM_PORT,
RABBITMQ_USER, RABBITMQ_PASSWORD, RABBITMQ_VHOST, RABBITMQ_MANAGEMENT_URL.

Exit: 0 healthy, 1 a gap or reset, 2 bad settings or arguments, 3 could not tell (unreachable, unverified).`;

/** How long the broker may take to accept the connection. */
const CONNECT_TIMEOUT_MS = 10_000;

/** `npm run stream:status`: where the stream and its consumers stand; see USAGE. */
async function main(argv: string[]): Promise<number> {
  let json: boolean;
  try {
    const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
    if (values.help) {
      console.log(USAGE);
      return EXIT.healthy;
    }
    json = values.json === true;
  } catch (error) {
    console.error(`stream-status: ${errorMessage(error)}\n\n${USAGE}`);
    return EXIT.usage;
  }

  let settings;
  try {
    settings = loadConfig(SystemEnv);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`stream-status: ${error.message}`);
    return EXIT.usage;
  }

  const db = createKysely<Database>(
    createPool({
      url: settings.ORDER_DATABASE_URL,
      poolSize: 1,
      applicationName: 'order-service stream-status',
      sessionOptions: '-c default_transaction_read_only=on',
    }),
  );
  const tls = brokerTls(settings);
  const connection = createStreamConnection({ ...brokerOf(settings), ...(tls ? { tls } : {}), connectionName: 'order-service stream-status', connectTimeoutMs: 5_000 });
  try {
    await connection.ready(AbortSignal.timeout(CONNECT_TIMEOUT_MS)).catch((error: unknown) => {
      throw new Error(`no stream connection to ${settings.RABBITMQ_HOST}:${settings.RABBITMQ_STREAM_PORT} within ${CONNECT_TIMEOUT_MS / 1000} s (${errorMessage(error)})`);
    });
    // A super stream: every partition is a stream of its own, reported one after the other.
    const streams = settings.STREAM_PARTITIONS > 1 ? partitionStreams(settings.STREAM_NAME, settings.STREAM_PARTITIONS) : [settings.STREAM_NAME];
    const statuses = [];
    for (const stream of streams) {
      statuses.push(
        await collectStreamStatus({
          connection,
          db,
          management: {
            url: settings.RABBITMQ_MANAGEMENT_URL,
            user: settings.RABBITMQ_USER,
            password: settings.RABBITMQ_PASSWORD,
            vhost: settings.RABBITMQ_VHOST,
          },
          stream,
          consumerNames: [ORDER_SERVICE_CONSUMER],
        }),
      );
    }
    if (json) {
      const documents = statuses.map(toJson);
      process.stdout.write(`${JSON.stringify(documents.length === 1 ? documents[0] : { partitions: documents }, null, 2)}\n`);
    } else {
      process.stdout.write(statuses.map(renderTable).join('\n'));
    }
    return Math.max(...statuses.map(exitCodeOf));
  } catch (error) {
    console.error(`stream-status: could not establish the status of stream "${settings.STREAM_NAME}": ${errorMessage(error)}`);
    return EXIT.unknown;
  } finally {
    await connection.close().catch(() => undefined);
    await db.destroy().catch(() => undefined);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Whatever a client library left running must not hold the answer back.
    setTimeout(() => process.exit(code), 5_000).unref();
  },
  (error: unknown) => {
    console.error(`stream-status failed: ${errorMessage(error)}`);
    process.exit(EXIT.unknown);
  },
);
