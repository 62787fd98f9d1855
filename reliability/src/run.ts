/**
 * One chaos run: load in the background, the fault(s) injected once a fifth of the load is
 * acknowledged, then convergence and verification of the customers the run touched.
 */
import { partitionOf } from '@demo/contract';
import type { BrokerProbe } from './broker-probe.js';
import { countDiverging, replicaCustomers, sourceCustomers, type Databases } from './db.js';
import type { Fault, FaultOutcome } from './faults/index.js';
import { pollUntil, since } from './poll.js';
import { startProgressMonitor } from './progress-monitor.js';
import type { Settings } from './settings.js';
import { firstRetainedOffsets, readAllEvents, tailOffsets } from './stream-reader.js';
import type { System } from './system.js';
import { verify, type Verification } from './verify/fold.js';
import { Workload, type WorkloadStats } from './workload.js';

export interface RunOptions {
  settings: Settings;
  system: System;
  dbs: Databases;
  broker: BrokerProbe;
  ops: number;
  concurrency: number;
  /** Operations started per second (none: unpaced). */
  rate?: number;
  convergeTimeoutMs: number;
  log(line: string): void;
}

export interface RunResult {
  label: string;
  outcomes: FaultOutcome[];
  workload: WorkloadStats;
  /** From the last acknowledged write until the replica equals customer_db for every touched customer. */
  convergeMs: number | undefined;
  verification: Verification | undefined;
  streamMessagesRead: number;
  problems: string[];
  durationMs: number;
}

export async function runFaults(label: string, faults: Fault[], options: RunOptions): Promise<RunResult> {
  const { system, dbs, settings, log } = options;
  const began = performance.now();
  const problems: string[] = [];
  await system.waitHealthy(60_000, 200);
  const tails = await tailOffsets(settings);
  const runId = `${label}-${Date.now().toString(36)}`;
  let faultsInProgress = true;
  const workload = new Workload({
    customerUrl: settings.customerUrl,
    ops: options.ops,
    concurrency: options.concurrency,
    ...(options.rate ? { ratePerSecond: options.rate } : {}),
    runId,
    keepGoing: () => faultsInProgress,
  });
  log(`[${label}] load of ${options.ops} operations (concurrency ${options.concurrency}${options.rate ? `, ${options.rate} started per second` : ''}), stream tail ${[...tails].map(([stream, tail]) => `${stream} ${tail}`).join(', ')}`);
  const progress = setInterval(() => {
    const s = workload.stats;
    log(`[${label}]   acknowledged ${s.acknowledged} (creates ${s.creates}, updates ${s.updates}, deletes ${s.deletes}), retries ${s.retries}, 503 ${s.status503}, network errors ${s.networkErrors}`);
  }, 5_000);
  const load = workload.run();
  const monitor = startProgressMonitor(system);
  const outcomes: FaultOutcome[] = [];
  try {
    await workload.waitForAcked(Math.floor(options.ops / 5));
    for (const fault of faults) {
      if (outcomes.length > 0) await workload.waitForAcked(workload.stats.acknowledged + Math.floor(options.ops / 20));
      log(`[${label}] injecting ${fault.name} at ${workload.stats.acknowledged} acknowledged operations`);
      const outcome = await fault.inject({ system, workload, dbs, monitor, broker: options.broker, log: (line) => log(`[${label}]   ${line}`) });
      outcomes.push(outcome);
      problems.push(...outcome.problems.map((p) => `${fault.name}: ${p}`));
    }
  } catch (error) {
    problems.push(`fault injection failed: ${(error as Error).message}`);
    log(`[${label}] fault injection failed: ${(error as Error).message}; restoring the system`);
    await system
      .restore(log)
      .then((forced) => problems.push(...forced))
      .catch((restoreError: unknown) => problems.push(`restore failed: ${(restoreError as Error).message}`));
  } finally {
    faultsInProgress = false;
    await monitor.stop();
  }
  await load;
  clearInterval(progress);
  const lastWrite = performance.now();
  const stats = workload.stats;
  log(`[${label}] load done: ${stats.acknowledged} acknowledged, ${stats.failed} failed, ${stats.status503} answers 503, ${stats.status5xx} other 5xx`);

  const ids = [...workload.acknowledged.keys()];
  let convergeMs: number | undefined;
  try {
    await pollUntil(async () => (await countDiverging(dbs, ids)) === 0, {
      timeoutMs: options.convergeTimeoutMs,
      intervalMs: 100,
      what: `the replica to equal customer_db for ${ids.length} customers`,
    });
    convergeMs = since(lastWrite);
  } catch (error) {
    problems.push(`no convergence: ${(error as Error).message} (${await countDiverging(dbs, ids).catch(() => '?')} still differ)`);
  }

  let verification: Verification | undefined;
  let streamMessagesRead = 0;
  try {
    // A stream whose retention removed where the run began (a small one: retention-gap) is read from what is left;
    // on a super stream, each partition on its own (their offsets are each their own).
    const firstRetained = await firstRetainedOffsets(settings, [...tails.keys()]);
    const from = new Map<string, bigint>();
    const cutPartitions = new Set<number>();
    for (const [stream, tail] of tails) {
      const first = firstRetained.get(stream)!;
      if (first > (tail < 0n ? 0n : tail)) {
        log(`[${label}] retention removed ${stream} below offset ${first} (the run began at ${tail}): its customers' first versions are checked in customer_db and the replica only`);
        cutPartitions.add(settings.stream.streams.indexOf(stream));
        from.set(stream, first);
      } else {
        from.set(stream, tail);
      }
    }
    const historyCut = cutPartitions.size > 0;
    const read = await readAllEvents(settings, from);
    streamMessagesRead = read.messages;
    if (read.misrouted > 0) problems.push(`${read.misrouted} events on another partition than their customer's`);
    const [source, replica] = await Promise.all([sourceCustomers(dbs.customer, ids), replicaCustomers(dbs.order, ids)]);
    verification = verify({ customerIds: ids, acknowledged: workload.acknowledged, source, replica, events: read.events, historyCut: historyCut ? (id) => cutPartitions.has(partitionOf(id, settings.stream.partitions)) : false });
    if (historyCut) log(`[${label}] ${verification.retainedOut} versions' events were removed by retention before the stream was read`);
    if (verification.lost > 0) problems.push(`${verification.lost} changes lost`);
    if (verification.duplicated > 0) problems.push(`${verification.duplicated} changes duplicated`);
    if (verification.mismatched > 0) problems.push(`${verification.mismatched} states mismatched`);
    for (const problem of verification.problems.slice(0, 10)) problems.push(`  ${problem.kind} ${problem.customerId}: ${problem.detail}`);
  } catch (error) {
    problems.push(`verification failed: ${(error as Error).message}`);
  }
  if (stats.failed > 0) problems.push(`${stats.failed} operations failed: ${stats.failures.slice(0, 5).join('; ')}`);
  if (stats.status5xx > 0) problems.push(`${stats.status5xx} answers were 5xx other than 503: ${stats.failures.slice(0, 3).join('; ')}`);
  if (stats.acknowledged === 0) problems.push('no operation was acknowledged');
  return { label, outcomes, workload: stats, convergeMs, verification, streamMessagesRead, problems, durationMs: since(began) };
}
