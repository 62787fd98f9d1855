import type { CpuBudget } from '../cpu.js';
import type { GcPauses } from '../gc-pauses.js';
import type { GroupCommitFigures } from '../group-commits.js';
import type { WalFigures } from '../wal.js';
import type { StatementCost } from '../pg-statements.js';
import type { StreamFootprint } from '../stream-footprint.js';
import type { HistoryComparison } from './history.js';
import type { ScaleCurve } from './scale.js';
import type { BootstrapBaseline, BootstrapReport } from '../bootstrap.js';
import type { InsertBaseline } from '../baselines/postgres-insert.js';
import type { ReplayBaseline, StreamBaseline } from '../baselines/stream.js';
import type { LatencySummary } from '../stats.js';
import type { TimePoint } from '../sampler.js';
import type { RowDiff } from '../digest.js';

export interface PhaseReport {
  requests: number;
  succeeded: number;
  failed: number;
  retried: number;
  seconds: number;
  perS: number;
  latencyMs?: LatencySummary;
  errorsByKind: Record<string, number>;
  /** The load generator's own collections during the phase (a pause inside a request is in its latency). */
  loadGeneratorGc?: GcPauses;
}

export type Mark = 'pass' | 'short' | 'not measured';

export interface TargetResult {
  name: string;
  goal: string;
  value: string;
  mark: Mark;
}

export interface RebuildReport {
  measured: boolean;
  /** The stream's first events were gone: the rebuild went through the snapshot (no replay rate), and the replica matched again. */
  throughSnapshot?: boolean;
  reason?: string;
  events?: number;
  /** From the rebuild's commit to the last event applied. */
  seconds?: number;
  eventsPerS?: number;
  /** The rebuild command's start-up before its commit (npm, node, connecting), not in `seconds`. */
  startupSeconds?: number;
}

export interface LoadReport {
  runId: string;
  startedAt: string;
  settings: {
    n: number;
    concurrency: number;
    unknownShare: number;
    updateShare: number;
    orders: number;
    convergeTimeoutMs: number;
    /** The rate limit each service applied to this load generator (RATE_LIMIT_PER_MINUTE, RATE_LIMIT_ALLOW). */
    rateLimits?: string;
  };
  create: PhaseReport;
  update: PhaseReport;
  orders: PhaseReport & { byStatus: Record<string, number>; wrongStatus: number };
  convergence: { converged: boolean; afterLastWriteMs?: number; polls: number };
  verification: {
    ok: boolean;
    customers: number;
    replicaRows: number;
    digest: string;
    replicaDigest: string;
    diff?: RowDiff;
    /** Compared range by range (ordered digests per id range); the ranges that differed, with their ids. */
    ranges?: { count: number; size: number; mismatched: Array<{ from: string; to: string; ids: string[]; differences: number }> };
    notAsAcknowledged: string[];
    unacknowledgedInSource: number;
  };
  replicationLagMs: { p50?: number; p99?: number; observations: number };
  outboxPublishLagMs: { p50?: number; p99?: number; observations: number };
  memoryMb: Record<string, { peakSampled?: number; highWaterMark?: number }>;
  /** `insert` before the phases, `insertAfter` the same measured again once they are done (insertRateOf). */
  baselines: { insert?: InsertBaseline; insertAfter?: InsertBaseline; stream?: StreamBaseline; replay?: ReplayBaseline; bootstrap?: BootstrapBaseline; error?: string };
  rebuild: RebuildReport;
  /** The replica emptied and loaded again from customer-service's snapshot (issue 14 item 6). */
  bootstrap?: BootstrapReport;
  ratios: { createVsInsert?: number; updateVsInsert?: number; replayVsConsume?: number; applyVsConsume?: number; bootstrapVsRaw?: number };
  /** First create → every created customer in the replica, verified field by field (before any update). */
  createdVerified: { ok: boolean; seconds?: number; afterLastCreateMs?: number; problems: string[] };
  /** First request → replica verified after every phase (creates, updates, orders). */
  totalSeconds: number;
  targets: TargetResult[];
  /** CPU per request of each phase by process group (cpu.ts), and of the raw insert baseline: where the time goes. */
  cpu?: { create?: CpuBudget; update?: CpuBudget; orders?: CpuBudget; insertBaseline?: CpuBudget };
  /** Bytes per event on the broker's disk and what fits in the stream's retention, after the run's writes. */
  streamFootprint?: StreamFootprint | { notMeasured: string };
  /** The PostgreSQL server's WAL flushes during each phase (pg_stat_wal); the raw insert's are in baselines.insert.wal. */
  wal?: Partial<Record<'create' | 'update' | 'orders', WalFigures>>;
  /** The services' group-commit statements during each phase, by write path (group_commit_* histograms). */
  groupCommits?: Partial<Record<'create' | 'update' | 'orders', GroupCommitFigures[]>>;
  /** The statements that cost PostgreSQL the most execution time during the creates (pg_stat_statements); a reason when not measured. */
  createStatements?: StatementCost[] | { notMeasured: string };
  /** Against the previous report of the same N in the results directory: what moved beyond the noise. */
  history?: HistoryComparison;
  /** This run and the one just before it when that was of another N: the scale curve's two ends (issue 18 item 4). */
  scale?: ScaleCurve;
  failures: string[];
  timeline: TimePoint[];
  charts: string[];
}
