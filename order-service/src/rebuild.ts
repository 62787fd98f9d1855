import { errorMessage, withTimeout } from '@demo/async';
import { ORDER_SERVICE_CONSUMER } from '@demo/contract';
import { ConfigError, createKysely, createPool } from '@demo/service-kit';
import { connectBroker, partitionStreams } from '@demo/stream';
import { readConfig } from './config.js';
import { checkStream } from './consumer/stream-check.js';
import { loadPosition } from './db/position.js';
import { rebuildReplica } from './db/rebuild.js';
import type { Database } from './db/schema.js';

/** How long the command tries to reach the broker to check the stream before it gives up. */
const BROKER_TIMEOUT_MS = 20_000;

const USAGE = 'usage: npm run rebuild -w order-service [-- --from-snapshot | --from-stream]';

/**
 * `npm run rebuild -w order-service` (make rebuild-replica): empties the replica and resets the
 * stored offset in one transaction, then tells the running instances (NOTIFY), while the service
 * stays up. How it is filled again:
 * - from the stream (the active instance replays it from its first offset) when the stream still
 *   holds everything the replica has applied: its first offset is there and it is the stream the
 *   replica was built from;
 * - else from customer-service's snapshot (an instance loads it, then the stream resumes where the
 *   snapshot ends): the stream's first events are gone, or the stream was deleted and declared
 *   again. `--from-snapshot` / `--from-stream` choose instead of that check.
 */
async function main() {
  const flags = new Set(process.argv.slice(2));
  if ([...flags].some((flag) => flag !== '--from-snapshot' && flag !== '--from-stream') || flags.size > 1) throw new ConfigError(USAGE);
  const config = readConfig();
  // The stream, or every partition of the super stream: they feed one replica.
  const streams = config.STREAM_PARTITIONS > 1 ? partitionStreams(config.STREAM_NAME, config.STREAM_PARTITIONS) : [config.STREAM_NAME];
  const keys = streams.map((stream) => ({ consumerName: ORDER_SERVICE_CONSUMER, stream }));
  const db = createKysely<Database>(createPool({ url: config.DATABASE_URL, poolSize: 1, applicationName: 'order-service rebuild' }));
  try {
    let fromSnapshot = flags.has('--from-snapshot');
    let why = fromSnapshot ? 'asked for' : 'the stream holds everything';
    if (!fromSnapshot && !flags.has('--from-stream')) {
      const connection = connectBroker(config, { connectionName: 'order-service rebuild', logger: { debug() {}, info() {}, warn() {}, error() {} } });
      connection.start();
      try {
        // The connection retries a broker it cannot reach (or log in to) for ever: the command must not hang silently.
        await withTimeout(connection.ready(), BROKER_TIMEOUT_MS, 'reaching the broker').catch((error: unknown) => {
          throw new Error(`${errorMessage(error)} (RABBITMQ_HOST, RABBITMQ_USER: see .run/infra.env); choose without it: --from-snapshot or --from-stream`);
        });
        for (const key of keys) {
          const position = await loadPosition(db, key);
          const verdict = await checkStream(connection, key.stream, position);
          // A replica that applied nothing yet says nothing of a reset; its first needed offset is 0.
          const stream = await checkStream(connection, key.stream, { lastOffset: null, lastFingerprint: null });
          if (verdict.kind !== 'ok' || stream.kind !== 'ok') {
            fromSnapshot = true;
            why = `${key.stream}: ${verdict.kind !== 'ok' ? verdict.kind : `${stream.kind}: the stream's first retained offset is past its start`}`;
          }
        }
      } finally {
        await connection.close();
      }
    }
    const [generation] = await rebuildReplica(db, keys, { fromSnapshot });
    console.log(
      fromSnapshot
        ? `order-service: replica of stream "${config.STREAM_NAME}" emptied (generation ${generation}); an instance loads customer-service's snapshot, then the stream resumes (${why})`
        : `order-service: replica of stream "${config.STREAM_NAME}" emptied (generation ${generation}); the active instance replays it from the first offset (${why})`,
    );
  } finally {
    await db.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(`order-service rebuild failed: ${errorMessage(error)}`);
  process.exit(error instanceof ConfigError ? 2 : 1);
});
