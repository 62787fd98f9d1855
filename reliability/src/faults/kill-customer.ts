/**
 * Fault 3: kill -9 of customer-service while its relay has outbox rows not yet confirmed, then a
 * restart: every remaining event must be published once (checked by the verifier afterwards).
 */
import { pollUntil, since } from '../poll.js';
import type { Fault, FaultOutcome } from './fault.js';

async function outboxRows(context: Parameters<Fault['inject']>[0]): Promise<number> {
  const { rows } = await context.dbs.customer.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox');
  return rows[0]!.n;
}

export const killCustomer: Fault = {
  name: 'kill-customer',
  async inject(context): Promise<FaultOutcome> {
    const { system, log } = context;
    const pending = await pollUntil(async () => { const n = await outboxRows(context); return n > 0 ? n : undefined; }, {
      timeoutMs: 10_000, intervalMs: 5, what: 'outbox rows waiting for the relay',
    }).catch(() => 0);
    const start = performance.now();
    const pid = await system.signal('customer', 'SIGKILL');
    log(`kill -9 customer (pid ${pid}) with ${pending} outbox rows pending`);
    await system.waitExit(pid);
    await system.start('customer');
    const recoveryMs = since(start);
    const afterRestart = await outboxRows(context).catch(() => -1);
    log(`customer ready again after ${recoveryMs} ms (${afterRestart} outbox rows pending)`);
    return {
      injected: `kill -9 customer-service with ${pending} outbox rows unpublished`,
      recoveryMs,
      details: [`restart to ready ${recoveryMs} ms`, `outbox at kill ${pending}, right after restart ${afterRestart}`],
      problems: pending > 0 ? [] : ['no outbox row was pending at the kill (the relay was idle): the fault did not hit in-flight messages'],
      window: { start, end: performance.now() },
    };
  },
};
