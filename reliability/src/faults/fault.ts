import type { BrokerProbe } from '../broker-probe.js';
import type { Databases } from '../db.js';
import type { ProgressMonitor } from '../progress-monitor.js';
import type { System } from '../system.js';
import type { Workload } from '../workload.js';

export const FAULT_NAMES = [
  'kill-active-order',
  'sigterm-active-order',
  'freeze-active-order',
  'kill-customer',
  'broker-outage',
  'restart-stream',
  'kill-stream-leader',
  'kill-stream-follower',
  'rolling-restart',
  'postgres-restart',
  'postgres-crash',
  'close-connections',
  'retention-gap',
] as const;
export type FaultName = (typeof FAULT_NAMES)[number];

/** Faults that need a broker of several nodes. */
export const CLUSTER_FAULTS: readonly FaultName[] = ['kill-stream-leader', 'kill-stream-follower', 'rolling-restart'];

/** Faults that need a stream whose retention removes its history within a run. */
export const SMALL_STREAM_FAULTS: readonly FaultName[] = ['retention-gap'];

/** A stream this small or smaller (max-length-bytes) loses its history within a run; retention-gap needs one. */
export const SMALL_STREAM_MAX_BYTES = 16_000_000;

/** What the system under test runs on, as far as which faults apply. */
export interface Topology {
  cluster: boolean;
  /** Its stream is a super stream (STREAM_PARTITIONS > 1). */
  partitioned?: boolean;
  /** The stream's max-length-bytes, when the broker told. */
  streamMaxBytes?: number | undefined;
}

/** A plain stream small enough to lose its history within a run (retention-gap follows one stream's offsets: not a super stream). */
export function isSmallStream(topology: Topology): boolean {
  return topology.partitioned !== true && topology.streamMaxBytes !== undefined && topology.streamMaxBytes <= SMALL_STREAM_MAX_BYTES;
}

/** The faults that apply: on one broker node or on a cluster (all of them); retention-gap on a small stream only. */
export function faultsFor(topology: boolean | Topology): FaultName[] {
  const { cluster } = typeof topology === 'boolean' ? { cluster: topology } : topology;
  const small = typeof topology !== 'boolean' && isSmallStream(topology);
  return FAULT_NAMES.filter((name) => (cluster || !CLUSTER_FAULTS.includes(name)) && (small || !SMALL_STREAM_FAULTS.includes(name)));
}

export interface FaultContext {
  system: System;
  workload: Workload;
  dbs: Databases;
  /** Published and applied progress, sampled through the run. */
  monitor: ProgressMonitor;
  /** The stream's leader and replicas, by node. */
  broker: BrokerProbe;
  log(line: string): void;
}

export interface FaultOutcome {
  /** What was done, in a few words. */
  injected: string;
  /** From the fault (or the end of the outage) until the system served again; the worst when several. */
  recoveryMs: number;
  /** Figures worth printing (takeover times, pending outbox at the kill, ...). */
  details: string[];
  /** Requirements of the fault that were not met (fail the run). */
  problems: string[];
  /** performance.now() when the fault began and when recovery was observed. */
  window: { start: number; end: number };
}

export interface Fault {
  name: FaultName;
  inject(context: FaultContext): Promise<FaultOutcome>;
}
