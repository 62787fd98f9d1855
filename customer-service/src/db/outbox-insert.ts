import { sql, type QueryCreator } from 'kysely';
import type { CustomerRecord } from '../domain/customer.js';
import type { PendingEvent } from '../domain/events.js';
import type { Database } from './schema.js';

/**
 * The outbox row of a change, as an INSERT ... SELECT from the CTE `c` that made the change:
 * the version and the body come from the row PostgreSQL just wrote, in the same statement.
 */
export function outboxInsertFrom(
  db: QueryCreator<Database & { c: CustomerRecord }>,
  event: PendingEvent,
) {
  return db
    .insertInto('outbox')
    .columns(['event_id', 'event_type', 'customer_id', 'version', 'body', 'correlation_id', 'schema_version'])
    .expression((eb) =>
      eb
        .selectFrom('c')
        .select([
          sql<string>`${event.eventId}::uuid`.as('event_id'),
          sql<string>`${event.type}::text`.as('event_type'),
          'c.id as customer_id',
          'c.version as version',
          sql<string>`${event.bodyBeforeVersion}::text || c.version::text || ${event.bodyAfterVersion}::text`.as('body'),
          sql<string>`${event.correlationId}::text`.as('correlation_id'),
          sql<number>`${event.schemaVersion}::int`.as('schema_version'),
        ]),
    );
}
