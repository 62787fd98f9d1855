import type { Migration } from 'kysely/migration';
import { initial } from './0001-initial.js';
import { idempotencyScope } from './0002-idempotency-scope.js';
import { outboxPublishingIdPartial } from './0003-outbox-publishing-id-partial.js';
import { outboxInFlight } from './0004-outbox-in-flight.js';

/** Every migration, by name; kysely's Migrator applies them in name order. */
export const migrations: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-idempotency-scope': idempotencyScope,
  '0003-outbox-publishing-id-partial': outboxPublishingIdPartial,
  '0004-outbox-in-flight': outboxInFlight,
};
