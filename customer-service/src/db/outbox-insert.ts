import { sql, type QueryCreator } from 'kysely';
import type { OutboxEntry } from '../outbox/encode.js';
import type { Database } from './schema.js';

/**
 * The outbox row of a change, as an INSERT ... SELECT from the CTE `c` that made the change: the
 * row is written when `c` wrote the customer and not otherwise, in the same statement.
 */
export function outboxInsertFor(db: QueryCreator<Database & { c: { id: string } }>, entry: OutboxEntry) {
  return db
    .insertInto('outbox')
    .columns(['event_id', 'event_type', 'customer_id', 'version', 'body', 'correlation_id', 'schema_version'])
    .expression((eb) =>
      eb
        .selectFrom('c')
        .select([
          sql<string>`${entry.event_id}::uuid`.as('event_id'),
          sql<string>`${entry.event_type}::text`.as('event_type'),
          sql<string>`${entry.customer_id}::uuid`.as('customer_id'),
          sql<number>`${entry.version}::int`.as('version'),
          sql<string>`${entry.body}::text`.as('body'),
          sql<string>`${entry.correlation_id}::text`.as('correlation_id'),
          sql<number>`${entry.schema_version}::int`.as('schema_version'),
        ]),
    );
}
