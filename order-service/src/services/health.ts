import type { HealthOptions } from '@demo/service-kit';
import type { StreamConnection } from '@demo/stream';
import type { Kysely } from 'kysely';
import type { ReplicaSync } from '../consumer/replica-sync.js';
import { databaseAnswers } from '../db/ping.js';
import type { Database } from '../db/schema.js';
import { ConsumerDetails } from '../schemas/health.js';

/**
 * For service-kit's /health and /ready: ready when the database and the stream are reachable and
 * the stream holds what the replica needs (else `reason`, `needed`, `first_retained` say why not).
 */
export function orderHealth(deps: {
  db: Kysely<Database>;
  stream: Pick<StreamConnection, 'isConnected'>;
  replica: Pick<ReplicaSync, 'status'>;
}): HealthOptions<typeof ConsumerDetails> {
  return {
    checks: {
      database: async () => ((await databaseAnswers(deps.db)) ? 'up' : 'down'),
      stream: () => (deps.stream.isConnected ? 'up' : 'down'),
      replica: () => {
        const { problem, bootstrap } = deps.replica.status();
        return problem || bootstrap ? 'down' : 'up';
      },
    },
    details: () => {
      const { role, appliedOffset, problem, bootstrap } = deps.replica.status();
      return {
        role,
        applied_offset: appliedOffset === null ? null : appliedOffset.toString(),
        ...(problem ? { reason: problem.kind, needed: problem.needed.toString(), first_retained: problem.firstRetained.toString() } : {}),
        ...(bootstrap
          ? {
              reason: bootstrap.running ? 'bootstrapping' : 'bootstrap_failed',
              bootstrap: { loaded: bootstrap.loaded, total: bootstrap.total ?? null, ...(bootstrap.error ? { error: bootstrap.error } : {}) },
            }
          : {}),
      };
    },
    detailsSchema: ConsumerDetails,
  };
}
