import type { CheckState, HealthOptions } from '@demo/service-kit';
import type { StreamConnection } from '@demo/stream';
import type { Kysely } from 'kysely';
import Type from 'typebox';
import { databaseAnswers } from './db/ping.js';
import type { Relay } from './outbox/relay.js';

const Details = {
  relay: Type.Union([Type.Literal('active'), Type.Literal('standby')], {
    description: 'whether this instance is the one publishing the outbox',
  }),
};

const state = (up: boolean): CheckState => (up ? 'up' : 'down');

/**
 * What /ready checks: the database answers, and the stream is usable: connected and, on the
 * instance whose relay is active, with its publisher declared (else the outbox would pile up
 * while this instance reports ready).
 */
export function readiness<Schema>(deps: {
  db: Kysely<Schema>;
  connection: StreamConnection;
  relay: Relay;
}): HealthOptions<typeof Details> {
  const { db, connection, relay } = deps;
  return {
    checks: {
      database: async () => state(await databaseAnswers(db)),
      stream: () => state(connection.isConnected && (relay.role === 'standby' || relay.canPublish)),
    },
    details: () => ({ relay: relay.role }),
    detailsSchema: Details,
  };
}
