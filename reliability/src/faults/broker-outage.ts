/**
 * Fault 4: RabbitMQ stopped for 10 s and started again. The services must reconnect by
 * themselves, and customer-service must keep acknowledging requests meanwhile (the outbox holds
 * the events). Recovery = from the broker's start until the system reports healthy again.
 */
import { delay, pollUntil, since } from '../poll.js';
import type { Fault, FaultOutcome } from './fault.js';

export const BROKER_OUTAGE_MS = 10_000;

export const brokerOutage: Fault = {
  name: 'broker-outage',
  async inject(context): Promise<FaultOutcome> {
    const { system, workload, log } = context;
    const start = performance.now();
    await system.script('infra.sh', 'rabbitmq-stop');
    const down = performance.now();
    log(`RabbitMQ stopped (${since(start)} ms); holding it down ${BROKER_OUTAGE_MS / 1000} s`);
    await delay(BROKER_OUTAGE_MS); // the outage itself: a duration, not a wait for a condition
    const ackedWhileDown = workload.ackedBetween(down, performance.now());
    const restart = performance.now();
    await system.script('infra.sh', 'rabbitmq-start');
    const brokerBack = since(restart);
    await pollUntil(() => system.healthy(), { timeoutMs: 120_000, intervalMs: 50, what: 'services to reconnect to the broker' });
    const recoveryMs = since(restart);
    log(`RabbitMQ back after ${brokerBack} ms; system healthy ${recoveryMs} ms after the start; ${ackedWhileDown} requests acknowledged while it was down`);
    return {
      injected: `RabbitMQ stopped ${BROKER_OUTAGE_MS / 1000} s, then started`,
      recoveryMs,
      details: [`broker start ${brokerBack} ms`, `${ackedWhileDown} requests acknowledged while the broker was down`],
      problems: ackedWhileDown > 0 ? [] : ['customer-service acknowledged no request while the broker was down'],
      window: { start, end: performance.now() },
    };
  },
};
