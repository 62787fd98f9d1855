import { ORDER_SERVICE_CONSUMER } from '@demo/contract';
import { ConfigError, createKysely, createPool } from '@demo/service-kit';
import { readConfig } from './config.js';
import { rebuildReplica } from './db/rebuild.js';
import type { Database } from './db/schema.js';

/**
 * `npm run rebuild -w order-service`: empties the replica and resets the stored offset in one
 * transaction, then tells the running instances (NOTIFY); the active one replays the stream from
 * its first retained offset while the service stays up.
 */
async function main() {
  const config = readConfig();
  const db = createKysely<Database>(createPool({ url: config.DATABASE_URL, poolSize: 1, applicationName: 'order-service rebuild' }));
  try {
    const generation = await rebuildReplica(db, { consumerName: ORDER_SERVICE_CONSUMER, stream: config.STREAM_NAME });
    console.log(
      `order-service: replica of stream "${config.STREAM_NAME}" emptied (generation ${generation}); the active instance replays it from the first offset`,
    );
  } finally {
    await db.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(`order-service rebuild failed: ${error instanceof ConfigError ? error.message : String(error)}`);
  process.exit(1);
});
