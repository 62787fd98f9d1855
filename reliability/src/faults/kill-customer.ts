/**
 * Fault 3: kill -9 of customer-service while its relay has outbox rows not yet confirmed, then a
 * restart: every remaining event must be published once (checked by the verifier afterwards).
 */
import { pollUntil, since } from '../poll.js';
import type { Fault, FaultOutcome } from './fault.js';

/** Outbox rows of the relay's recorded batch: given a publishing id, not yet confirmed and deleted. */
async function inFlight(context: Parameters<Fault['inject']>[0]): Promise<number> {
  const { rows } = await context.dbs.customer.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM outbox WHERE id = ANY((SELECT ids FROM outbox_in_flight)::bigint[])',
  );
  return rows[0]!.n;
}

export const killCustomer: Fault = {
  name: 'kill-customer',
  async inject(context): Promise<FaultOutcome> {
    const { system, log } = context;
    const pending = await pollUntil(async () => { const n = await inFlight(context); return n > 0 ? n : undefined; }, {
      timeoutMs: 10_000, intervalMs: 2, what: 'outbox rows in flight (sent, not confirmed)',
    }).catch(() => 0);
    const start = performance.now();
    const pid = await system.signal('customer', 'SIGKILL');
    log(`kill -9 customer (pid ${pid}) with ${pending} outbox rows in flight`);
    await system.waitExit(pid);
    await system.start('customer');
    const recoveryMs = since(start);
    const afterRestart = await inFlight(context).catch(() => -1);
    log(`customer ready again after ${recoveryMs} ms (${afterRestart} outbox rows in flight)`);
    return {
      injected: `kill -9 customer-service with ${pending} events in flight`,
      recoveryMs,
      details: [`restart to ready ${recoveryMs} ms`, `in flight at the kill ${pending}, right after the restart ${afterRestart}`],
      problems: pending > 0 ? [] : ['no outbox row was in flight at the kill: the fault did not hit unconfirmed messages'],
      window: { start, end: performance.now() },
    };
  },
};
