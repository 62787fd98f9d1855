import type { HealthOptions } from '@demo/service-kit';
import type { StreamConnection } from '@demo/stream';
import type { Kysely } from 'kysely';
import type { Replica } from '../consumer/replica-group.js';
import { databaseAnswers } from '../db/ping.js';
import type { Database } from '../db/schema.js';
import { ConsumerDetails } from '../schemas/health.js';

/**
 * For service-kit's /health and /ready: ready when the database and the stream (every partition's
 * connection) are reachable and the stream holds what the replica needs (else `reason`, `needed`,
 * `first_retained` say why not). `role` is active when this instance is active on any partition;
 * on a super stream, `partitions` says which it holds, and `applied_offset` is each partition's.
 */
export function orderHealth(deps: {
  db: Kysely<Database>;
  connections: ReadonlyArray<Pick<StreamConnection, 'isConnected'>>;
  replica: Pick<Replica, 'status'>;
}): HealthOptions<typeof ConsumerDetails> {
  return {
    checks: {
      database: async () => ((await databaseAnswers(deps.db)) ? 'up' : 'down'),
      stream: () => (deps.connections.every((connection) => connection.isConnected) ? 'up' : 'down'),
      replica: () => {
        const { partitions, bootstrap } = deps.replica.status();
        return partitions.some((partition) => partition.problem) || bootstrap ? 'down' : 'up';
      },
    },
    details: () => {
      const { partitions, bootstrap } = deps.replica.status();
      const problem = partitions.find((partition) => partition.problem)?.problem;
      const offset = (value: bigint | null) => (value === null ? null : value.toString());
      return {
        role: partitions.some((partition) => partition.role === 'active') ? ('active' as const) : ('standby' as const),
        applied_offset: partitions.length === 1 ? offset(partitions[0]!.appliedOffset) : null,
        ...(partitions.length > 1
          ? { partitions: partitions.map((p) => ({ stream: p.stream, role: p.role, applied_offset: offset(p.appliedOffset) })) }
          : {}),
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
