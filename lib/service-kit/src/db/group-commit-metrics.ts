import { Histogram, type Registry } from 'prom-client';
import type { GroupCommitObserver } from './group-commit.js';

/**
 * The group commits' statements as histograms, one `statement` label per write path (create,
 * change, order …): how many items a statement carried, how long its first item waited in line,
 * and how long the statement took. A request's time on a write path is about the last two added.
 */
/** Buckets of the waits and the statements (seconds): a statement takes 1-25 ms on a busy machine. */
const SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

export function groupCommitMetrics(registry: Registry) {
  const registers = [registry];
  const labelNames = ['statement'] as const;
  const size = new Histogram({
    name: 'group_commit_batch_size',
    help: 'Items (requests) one group-commit statement carried',
    labelNames,
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers,
  });
  const waited = new Histogram({
    name: 'group_commit_wait_seconds',
    help: "How long a group-commit statement's first item waited in line before the statement started",
    labelNames,
    buckets: SECONDS,
    registers,
  });
  const ran = new Histogram({
    name: 'group_commit_statement_seconds',
    help: 'How long a group-commit statement took, from its start to its items settled (round trip, execution, commit)',
    labelNames,
    buckets: SECONDS,
    registers,
  });
  /** The `observe` option of one write path's group commit. */
  return (statement: string): GroupCommitObserver => {
    const labels = { statement };
    return (observation) => {
      size.observe(labels, observation.size);
      waited.observe(labels, observation.waitedSeconds);
      ran.observe(labels, observation.runSeconds);
    };
  };
}
