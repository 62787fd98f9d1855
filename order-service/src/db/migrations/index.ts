import type { Migration } from 'kysely/migration';
import * as initial from './0001-initial.js';
import * as streamIntegrity from './0002-stream-integrity.js';
import * as parkedEventActions from './0003-parked-event-actions.js';
import * as parkedEventsPerStream from './0004-parked-events-per-stream.js';

/** Every migration, by name; names sort in the order they apply. */
export const migrations: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-stream-integrity': streamIntegrity,
  '0003-parked-event-actions': parkedEventActions,
  '0004-parked-events-per-stream': parkedEventsPerStream,
};
