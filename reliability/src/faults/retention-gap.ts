/**
 * Fault: the stream's history is gone. On a system whose stream keeps little (declared small before its services
 * started: scripts/second-system.sh STREAM_MAX_LENGTH_BYTES; make test-chaos-retention), every order instance is
 * stopped, the load goes on until retention has removed events the replica never applied, and the instances start
 * again. Each must refuse to consume across the gap and say so (/ready 503, reason stream_gap, needed and
 * first_retained), applying nothing; then the operator's `make rebuild-replica` must choose the snapshot bootstrap
 * by itself, and the replica end equal to customer_db (the run's verification). Recovery = from the rebuild until
 * the system is healthy.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ORDER_SERVICE_CONSUMER } from '@demo/contract';
import { request } from '../http.js';
import { pollUntil, since } from '../poll.js';
import type { OrderInstance } from '../settings.js';
import { firstRetainedOffset } from '../stream-reader.js';
import type { Fault, FaultContext, FaultOutcome } from './fault.js';

const GAP_TIMEOUT_MS = 180_000;

/** The offset the replica stored (what it applied last), as order-service keeps it; -1 when none. */
async function storedOffset(context: FaultContext): Promise<bigint> {
  const { rows } = await context.dbs.order.query<{ last_offset: string | null }>(
    'SELECT last_offset::text AS last_offset FROM consumer_offsets WHERE consumer_name = $1 AND stream = $2',
    [ORDER_SERVICE_CONSUMER, context.system.settings.stream.name],
  );
  return rows[0]?.last_offset === null || rows[0] === undefined ? -1n : BigInt(rows[0].last_offset);
}

/** What an order instance's /ready says about the replica. */
async function readiness(context: FaultContext, instance: OrderInstance): Promise<{ status: number; reason?: string; needed?: string; firstRetained?: string } | undefined> {
  try {
    const answer = await request(`${context.system.urlOf(instance)}/ready`, { timeoutMs: 2_000 });
    const body = answer.json as { reason?: string; needed?: string; first_retained?: string } | undefined;
    return { status: answer.status, reason: body?.reason, needed: body?.needed, firstRetained: body?.first_retained };
  } catch {
    return undefined;
  }
}

/** `make rebuild-replica` as an operator runs it, on the system under test (its RUN_DIR and ORDER_DATABASE_URL). */
async function rebuildReplica(context: FaultContext): Promise<string> {
  const { settings } = context.system;
  const { stdout, stderr } = await promisify(execFile)('make', ['-s', 'rebuild-replica'], { cwd: settings.repo, env: settings.scriptEnv, timeout: 180_000 });
  return `${stdout}${stderr}`.trim();
}

export const retentionGap: Fault = {
  name: 'retention-gap',
  async inject(context): Promise<FaultOutcome> {
    const { system, workload, log } = context;
    const orders = system.settings.orders.map((order) => order.name);
    const problems: string[] = [];
    const start = performance.now();
    await system.waitHealthy(30_000, 100);

    // The order side goes away; customer-service keeps publishing.
    for (const instance of orders) await system.script('services.sh', 'stop', instance);
    const stored = await storedOffset(context);
    const needed = stored + 1n;
    const ackedAtStop = workload.stats.acknowledged;
    log(`stopped ${orders.join(', ')}; the replica applied up to offset ${stored}; writing until retention removes offset ${needed}`);
    const firstRetained = await pollUntil(async () => {
      const first = await firstRetainedOffset(system.settings);
      return first > needed ? first : undefined;
    }, { timeoutMs: GAP_TIMEOUT_MS, intervalMs: 250, what: `retention to remove offset ${needed} of stream ${system.settings.stream.name}` });
    const writtenMeanwhile = workload.stats.acknowledged - ackedAtStop;
    log(`first retained offset ${firstRetained} > ${needed} after ${writtenMeanwhile} more acknowledged writes (${since(start)} ms)`);

    // Back: each instance must see the gap, say so, and apply nothing.
    const restart = performance.now();
    const starts = orders.map((instance) => system.start(instance).then(() => undefined, (error: unknown) => error as Error));
    const reports = await pollUntil(async () => {
      const all = await Promise.all(orders.map((instance) => readiness(context, instance)));
      return all.every((report) => report?.status === 503 && report.reason === 'stream_gap') ? all : undefined;
    }, { timeoutMs: 60_000, intervalMs: 100, what: 'every order instance to report stream_gap on /ready' }).catch((error: unknown) => {
      problems.push(`the gap was not reported: ${(error as Error).message}`);
      return [];
    });
    const gapReportedMs = since(restart);
    for (const [i, report] of reports.entries()) {
      if (report?.needed !== String(needed)) problems.push(`${orders[i]} reported needed=${report?.needed}, the replica needs ${needed}`);
      if (BigInt(report?.firstRetained ?? '-1') < firstRetained) problems.push(`${orders[i]} reported first_retained=${report?.firstRetained}, below ${firstRetained}`);
    }
    const storedWhileGap = await storedOffset(context);
    if (storedWhileGap !== stored) problems.push(`the replica moved across the gap: stored offset ${stored} became ${storedWhileGap} before the rebuild`);
    log(`stream_gap reported by ${reports.length} instance(s) ${gapReportedMs} ms after their start (needed ${needed}, first retained ${reports[0]?.firstRetained}); stored offset still ${storedWhileGap}`);

    // The operator's remedy.
    const rebuild = performance.now();
    const said = await rebuildReplica(context);
    const rebuildMs = since(rebuild);
    if (!/loads customer-service's snapshot/.test(said)) problems.push(`make rebuild-replica did not choose the snapshot: ${said}`);
    log(`make rebuild-replica (${rebuildMs} ms): ${said.split('\n').at(-1)}`);
    await pollUntil(() => system.healthy(), { timeoutMs: 120_000, intervalMs: 100, what: 'the system healthy after the rebuild' });
    const recoveryMs = since(rebuild);
    for (const failed of await Promise.all(starts)) if (failed) log(`(services.sh start gave up waiting before the rebuild: ${failed.message.split('\n')[0]})`);
    const loaded = await Promise.all(orders.map((instance) => system.metric(instance, 'replica_bootstrap_rows_total').catch(() => undefined)));
    const snapshotRows = loaded.reduce<number>((sum, rows) => sum + (rows ?? 0), 0);
    if (snapshotRows === 0) problems.push('no instance loaded a snapshot row (replica_bootstrap_rows_total)');
    log(`healthy ${recoveryMs} ms after the rebuild began; ${snapshotRows} customers loaded from the snapshot`);
    return {
      injected: `order side stopped until retention passed its offset (needed ${needed}, first retained ${firstRetained}), started, rebuilt`,
      recoveryMs,
      details: [
        `${writtenMeanwhile} writes while the order side was down`,
        `stream_gap on /ready ${gapReportedMs} ms after the start`,
        `make rebuild-replica ${rebuildMs} ms, chose the snapshot; ${snapshotRows} customers loaded from it`,
        `healthy ${recoveryMs} ms after the rebuild began`,
      ],
      problems,
      window: { start, end: performance.now() },
    };
  },
};
