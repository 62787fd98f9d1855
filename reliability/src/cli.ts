/** Command-line flags of `npm run chaos -w reliability -- ...`. Pure. */
import { CLUSTER_FAULTS, FAULT_NAMES, faultsFor, isSmallStream, SMALL_STREAM_FAULTS, SMALL_STREAM_MAX_BYTES, type FaultName, type Topology } from './faults/fault.js';

export interface CliOptions {
  ops: number;
  concurrency: number;
  /** Faults run each on its own. */
  single: FaultName[];
  /** Faults run together in one more run (empty: no combined run). */
  combined: FaultName[];
  /** Which bad-input checks run after the faults. */
  badInput: { http: boolean; stream: boolean };
  quick: boolean;
  /** Operations started per second (--rate; none: as fast as the concurrency allows). */
  rate: number | undefined;
  convergeTimeoutMs: number;
}

/** --quick on one broker node (make test-chaos). */
export const QUICK_FAULTS: FaultName[] = ['kill-active-order', 'broker-outage', 'close-connections'];
/**
 * --quick on a cluster (make test-chaos-cluster): what only a cluster can suffer, and the faults that
 * must be proven on one too, one after the other in a single run (one load, one verification: each
 * run of its own would add its ramp-up, drain and stream read to make test).
 */
export const QUICK_CLUSTER_FAULTS: FaultName[] = ['restart-stream', 'kill-stream-follower', 'kill-stream-leader', 'rolling-restart', 'postgres-crash', 'freeze-active-order'];
/**
 * --quick on a super stream (make test-chaos-partitions): the order faults, whose partitions must
 * move to the survivors and back, and a partition's restart, in a single run.
 */
export const QUICK_PARTITION_FAULTS: FaultName[] = ['kill-active-order', 'sigterm-active-order', 'restart-stream'];

/** --quick on a small stream (make test-chaos-retention): the fault only such a stream allows. */
export const QUICK_SMALL_STREAM_FAULTS: FaultName[] = [...SMALL_STREAM_FAULTS];

export const USAGE = `usage: npm run chaos -w reliability -- [--ops 20000] [--concurrency 16] [--rate <operations/s>]
  [--faults all|combined|none|<fault>,<fault>,...] [--quick] [--bad-input all|http|stream|none]
faults: ${FAULT_NAMES.join(', ')}
  (${CLUSTER_FAULTS.join(', ')}: on a cluster only, RABBITMQ_HOSTS or BROKER_NODES > 1;
   ${SMALL_STREAM_FAULTS.join(', ')}: on a stream of at most ${SMALL_STREAM_MAX_BYTES / 1_000_000} MB, e.g. make test-chaos-retention)
  all       each fault that applies in its own run, then all of them in one run (the default)
  combined  only the run with all of them
--quick     with 2,000 operations, then the bad-input checks: on one node ${QUICK_FAULTS.join(' + ')}, each in
            its own run; on a cluster ${QUICK_CLUSTER_FAULTS.join(' + ')}, in one run; on a super
            stream (STREAM_PARTITIONS > 1) ${QUICK_PARTITION_FAULTS.join(' + ')}, in one run; on a small stream
            ${QUICK_SMALL_STREAM_FAULTS.join(' + ')}
--rate      operations started per second, all workers together (default: as fast as the concurrency allows)`;

export class CliError extends Error {}

/**
 * `cluster`: the system under test runs on a broker of several nodes; `partitioned`: its stream is a
 * super stream (settings.ts tells both); `streamMaxBytes`: its stream's retention.
 */
export function parseCli(argv: readonly string[], topology: Topology = { cluster: false }): CliOptions {
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new CliError(`unexpected argument "${arg}"`);
    const [key, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    if (['quick', 'help'].includes(key)) {
      flags.set(key, true);
    } else if (['ops', 'faults', 'concurrency', 'rate', 'converge-timeout', 'bad-input'].includes(key)) {
      const value = inline ?? argv[++i];
      if (value === undefined || value.startsWith('--')) throw new CliError(`--${key} needs a value`);
      flags.set(key, value);
    } else {
      throw new CliError(`unknown flag --${key}`);
    }
  }
  if (flags.has('help')) throw new CliError(USAGE);
  const quick = flags.has('quick');
  const number = (key: string, fallback: number, min: number) => {
    const raw = flags.get(key);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) throw new CliError(`--${key} must be an integer ≥ ${min}, got "${String(raw)}"`);
    return value;
  };
  const applicable = faultsFor(topology);
  const small = isSmallStream(topology);
  let single: FaultName[];
  let combined: FaultName[];
  const faults = flags.get('faults');
  if (faults === undefined) {
    if (quick && small) {
      single = [...QUICK_SMALL_STREAM_FAULTS];
      combined = [];
    } else if (quick) {
      const together = topology.cluster ? QUICK_CLUSTER_FAULTS : topology.partitioned ? QUICK_PARTITION_FAULTS : [];
      single = together.length > 0 ? [] : [...QUICK_FAULTS];
      combined = [...together];
    } else {
      single = [...applicable];
      combined = [...applicable];
    }
  } else {
    single = [];
    combined = [];
    for (const item of String(faults).split(',').map((s) => s.trim()).filter(Boolean)) {
      if (item === 'all') {
        single.push(...applicable);
        combined = [...applicable];
      } else if (item === 'combined') {
        combined = [...applicable];
      } else if (item === 'none') {
        continue;
      } else if (applicable.includes(item as FaultName)) {
        single.push(item as FaultName);
      } else if (SMALL_STREAM_FAULTS.includes(item as FaultName) && topology.partitioned) {
        throw new CliError(`fault "${item}" follows one stream's offsets, and the system runs a super stream: run it on a plain stream (make test-chaos-retention)`);
      } else if (SMALL_STREAM_FAULTS.includes(item as FaultName)) {
        throw new CliError(
          `fault "${item}" needs a stream whose retention removes its history within a run (max-length-bytes at most ${SMALL_STREAM_MAX_BYTES}), ` +
            `and this one keeps ${topology.streamMaxBytes ?? 'an unknown number of'} bytes: run it on a second system with a small stream (make test-chaos-retention)`,
        );
      } else if ((FAULT_NAMES as readonly string[]).includes(item)) {
        throw new CliError(`fault "${item}" needs a cluster, and the system runs on one broker node (set RABBITMQ_HOSTS or BROKER_NODES)`);
      } else {
        throw new CliError(`unknown fault "${item}" (known: ${FAULT_NAMES.join(', ')}, all, combined, none)`);
      }
    }
    single = [...new Set(single)];
  }
  return {
    ops: number('ops', quick ? 2_000 : 20_000, 10),
    concurrency: number('concurrency', quick ? 8 : 16, 1),
    rate: flags.has('rate') ? number('rate', 0, 1) : undefined,
    single,
    combined,
    badInput: badInputOf(flags.get('bad-input')),
    quick,
    convergeTimeoutMs: number('converge-timeout', 120_000, 1_000),
  };
}

function badInputOf(value: string | true | undefined): CliOptions['badInput'] {
  switch (value ?? 'all') {
    case 'all':
      return { http: true, stream: true };
    case 'http':
      return { http: true, stream: false };
    case 'stream':
      return { http: false, stream: true };
    case 'none':
      return { http: false, stream: false };
    default:
      throw new CliError(`--bad-input must be all, http, stream or none, got "${String(value)}"`);
  }
}
