/**
 * PostgreSQL crashes under load (pg_ctl stop -m immediate: no checkpoint; the applier's commits
 * are asynchronous, so its last batches may be lost and must be applied again from the stream),
 * stays down a moment, and starts again. Requests fail cleanly with 503 meanwhile (retried by the
 * workload). Recovery = from the start until the system is healthy again.
 */
import { delay, pollUntil, since } from '../poll.js';
import type { Fault, FaultOutcome } from './fault.js';
import { describeStalls } from './stream-recovery.js';

export const POSTGRES_CRASH_DOWN_MS = 3_000;

export const postgresCrash: Fault = {
  name: 'postgres-crash',
  async inject(context): Promise<FaultOutcome> {
    const { system, workload, monitor, log } = context;
    const before503 = workload.stats.status503;
    const start = performance.now();
    await system.script('infra.sh', 'postgres-crash');
    log(`PostgreSQL crashed (stop -m immediate, ${since(start)} ms); down for ${POSTGRES_CRASH_DOWN_MS / 1000} s`);
    await delay(POSTGRES_CRASH_DOWN_MS); // the outage itself: a duration, not a wait for a condition
    const restart = performance.now();
    // Timed from the start command on: the script also checks roles and databases after PostgreSQL accepts connections.
    const healthy = pollUntil(async () => (await system.healthy()) && performance.now(), { timeoutMs: 120_000, intervalMs: 50, what: 'services to reach PostgreSQL again' });
    healthy.catch(() => undefined); // awaited below; a failing start script must not leave it unhandled
    await system.script('infra.sh', 'postgres-start');
    const startedMs = since(restart);
    const recoveryMs = Math.round((await healthy) - restart);
    const publishedMs = Math.round((await monitor.publishedAfter(restart, 60_000)) - restart);
    const appliedMs = Math.round((await monitor.appliedAfter(restart, 60_000)) - restart);
    const answered503 = workload.stats.status503 - before503;
    log(`postgres-start done after ${startedMs} ms; healthy ${recoveryMs} ms, first publish ${publishedMs} ms, first event applied ${appliedMs} ms after its start; ${answered503} answers 503`);
    return {
      injected: `PostgreSQL crashed (immediate stop), down ${POSTGRES_CRASH_DOWN_MS / 1000} s`,
      recoveryMs,
      details: [
        `healthy ${recoveryMs} ms, first publish confirmed ${publishedMs} ms, first event applied ${appliedMs} ms after the start command (which took ${startedMs} ms)`,
        describeStalls(context, start),
        `${answered503} requests answered 503 (expected) and retried`,
      ],
      problems: [],
      window: { start, end: performance.now() },
    };
  },
};
