import type { Databases, Summary } from './databases.js';
import { replicaProgress, replicaSummary } from './databases.js';

export interface Convergence {
  converged: boolean;
  /** When the replica was first seen equal to customer_db (ms since epoch). */
  convergedAt?: number;
  /** convergedAt − the last acknowledged write. */
  afterLastWriteMs?: number;
  polls: number;
  replica: Summary | { count: number; versionSum: number };
}

/**
 * Polls order_db's replica of this run's ids until it holds as many rows and versions as
 * customer_db and then the same digest; bounded by `timeoutMs`. Each poll is one cheap query;
 * the digest is only computed when the counts already agree.
 */
export async function waitForConvergence(
  dbs: Databases,
  source: Summary & { ids: string[] },
  lastWriteAt: number,
  timeoutMs: number,
  onPoll: (state: { count: number; versionSum: number }) => void,
): Promise<Convergence> {
  const deadline = Date.now() + timeoutMs;
  let polls = 0;
  let replica: Summary | { count: number; versionSum: number } = { count: 0, versionSum: 0 };
  for (;;) {
    polls++;
    const progress = await replicaProgress(dbs.order, source.ids);
    replica = progress;
    onPoll(progress);
    if (progress.count === source.count && progress.versionSum === source.versionSum) {
      const summary = await replicaSummary(dbs.order, source.ids);
      replica = summary;
      if (summary.digest === source.digest) {
        const convergedAt = Date.now();
        return { converged: true, convergedAt, afterLastWriteMs: convergedAt - lastWriteAt, polls, replica };
      }
    }
    if (Date.now() >= deadline) return { converged: false, polls, replica };
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
