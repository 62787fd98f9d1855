import type { Databases, Summary } from './databases.js';
import { replicaProgress, replicaSummary } from './databases.js';
import { acknowledgedIndexes, type RunModel } from './phases/model.js';

export interface Convergence {
  converged: boolean;
  /** Start of the first poll that saw the replica equal to customer_db (its snapshot time). */
  convergedAt?: number;
  /** convergedAt − the last acknowledged write. */
  afterLastWriteMs?: number;
  polls: number;
  replica: Summary | { count: number; versionSum: number };
  /** Once converged: the replica's digest over customer_db's ids of the run, equal to customer_db's. */
  matched?: Summary;
}

export interface Expectation {
  ids: readonly string[];
  count: number;
  versionSum: number;
}

/** What the API acknowledged so far: every created customer and its number of writes. */
export function acknowledgedExpectation(model: RunModel): Expectation {
  const acknowledged = acknowledgedIndexes(model);
  return {
    ids: Array.from(acknowledged, (i) => model.ids[i]!),
    count: acknowledged.length,
    versionSum: acknowledged.reduce((sum, i) => sum + model.writes[i]!, 0),
  };
}

/**
 * Polls order_db's replica until it holds this run's customers as customer_db does; bounded by
 * `timeoutMs`. Polling starts at once with what the API acknowledged (ids, writes per customer),
 * while customer_db's own digest is computed alongside; each poll is one cheap count/sum query,
 * and the digest of the replica is only computed once the counts agree. A poll's result is the
 * state at its start (statement snapshot), so that is when convergence is dated.
 */
export async function waitForConvergence(
  dbs: Databases,
  expected: Expectation,
  source: Promise<Summary & { ids: string[] }>,
  lastWriteAt: number,
  timeoutMs: number,
  onPoll: (state: { count: number; versionSum: number }, target: { count: number; versionSum: number }) => void,
): Promise<Convergence> {
  const deadline = Date.now() + timeoutMs;
  let polls = 0;
  let replica: Summary | { count: number; versionSum: number } = { count: 0, versionSum: 0 };
  let known: (Summary & { ids: string[] }) | undefined;
  void source.then((state) => (known = state), () => undefined);
  let seenAt: number | undefined;
  for (;;) {
    polls++;
    const target = known ?? expected;
    const polledAt = Date.now();
    const progress = await replicaProgress(dbs.order, target.ids);
    replica = progress;
    onPoll(progress, target);
    if (progress.count === target.count && progress.versionSum === target.versionSum) {
      seenAt ??= polledAt;
      const state = await source;
      if (state.count === target.count && state.versionSum === target.versionSum) {
        const summary = await replicaSummary(dbs.order, state.ids);
        replica = summary;
        if (summary.digest === state.digest) {
          return { converged: true, convergedAt: seenAt, afterLastWriteMs: Math.max(0, seenAt - lastWriteAt), polls, replica, matched: summary };
        }
      }
      seenAt = undefined;
    }
    if (Date.now() >= deadline) return { converged: false, polls, replica };
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
