/**
 * Fault 5: PostgreSQL stopped and started again. Requests fail cleanly with 503 while it is down
 * (counted by the workload, which retries them), nothing half-written, everything resumes.
 */
import { delay, pollUntil, since } from '../poll.js';
import type { Fault, FaultOutcome } from './fault.js';

export const POSTGRES_OUTAGE_MS = 3_000;

export const postgresRestart: Fault = {
  name: 'postgres-restart',
  async inject(context): Promise<FaultOutcome> {
    const { system, workload, log } = context;
    const before503 = workload.stats.status503;
    const before5xx = workload.stats.status5xx;
    const start = performance.now();
    await system.script('infra.sh', 'postgres-stop');
    log(`PostgreSQL stopped (${since(start)} ms); holding it down ${POSTGRES_OUTAGE_MS / 1000} s`);
    await delay(POSTGRES_OUTAGE_MS); // the outage itself
    const restart = performance.now();
    await system.script('infra.sh', 'postgres-start');
    await pollUntil(() => system.healthy(), { timeoutMs: 120_000, intervalMs: 50, what: 'services to reach PostgreSQL again' });
    const recoveryMs = since(restart);
    const answered503 = workload.stats.status503 - before503;
    log(`PostgreSQL back; system healthy ${recoveryMs} ms after the start; ${answered503} answers were 503`);
    return {
      injected: `PostgreSQL stopped ${POSTGRES_OUTAGE_MS / 1000} s, then started`,
      recoveryMs,
      details: [`${answered503} requests answered 503 (expected) and retried`, `${workload.stats.status5xx - before5xx} other 5xx`],
      problems: [],
      window: { start, end: performance.now() },
    };
  },
};
