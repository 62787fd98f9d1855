import type { ConsumerRole } from '@demo/stream';
import type { Kysely } from 'kysely';
import type { Database } from './db/schema.js';
import type { Metrics } from './metrics.js';
import type { CustomerLookup } from './read-your-writes.js';

/** What the routes need, handed to them explicitly by the composition root. */
export interface RouteContext {
  db: Kysely<Database>;
  customers: CustomerLookup;
  metrics: Metrics;
  consumerStatus(): { role: ConsumerRole; appliedOffset: bigint | null };
  databaseReachable(): Promise<boolean>;
  streamConnected(): boolean;
}
