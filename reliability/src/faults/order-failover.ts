/**
 * Faults 1 and 2: the active order-service instance dies (kill -9, twice: the first active and
 * then the new one) or is stopped gracefully (SIGTERM). Recovery = until the other instance
 * reports itself active; the stopped one is started again and must come back as standby.
 * On a super stream: the instance holding the most partitions dies; recovery = until every
 * partition has an active consumer again; started again, it must take partitions back (the broker
 * rebalances the partitions over the instances) with every partition held once.
 */
import { pollUntil, since } from '../poll.js';
import type { OrderInstance } from '../settings.js';
import type { Fault, FaultContext, FaultOutcome } from './fault.js';

async function waitConsuming({ system }: FaultContext, instance: OrderInstance): Promise<boolean> {
  // Mid-batch: strike while the active instance is moving its offset under the load.
  const first = (await system.orderStatus(instance)).progress;
  try {
    await pollUntil(async () => (await system.orderStatus(instance)).progress !== first, { timeoutMs: 5_000, intervalMs: 10, what: `${instance} to apply events` });
    return true;
  } catch {
    return false;
  }
}

async function failOver(context: FaultContext, signal: 'SIGKILL' | 'SIGTERM'): Promise<{ victim: OrderInstance; takeoverMs: number; consuming: boolean; restartMs: number; problem?: string }> {
  const { system, log } = context;
  // A standby must be there to take over: both instances reachable, one active.
  await system.waitHealthy(30_000, 100);
  const victim = await system.waitActive({ timeoutMs: 30_000 });
  const consuming = await waitConsuming(context, victim);
  const held = system.settings.stream.partitions > 1 ? ` on ${(await system.orderStatus(victim)).holds.join(', ')}` : '';
  const start = performance.now();
  const pid = await system.signal(victim, signal);
  log(`${signal} ${victim} (pid ${pid}, active${held}${consuming ? ', applying' : ''})`);
  const successor = await system.waitActive({ timeoutMs: 60_000, not: victim, intervalMs: 10 });
  const takeoverMs = since(start);
  log(`${successor} active after ${takeoverMs} ms${held ? ', every partition held again' : ''}`);
  await system.waitExit(pid, 30_000);
  const restartStart = performance.now();
  await system.start(victim);
  let problem: string | undefined;
  const { partitions } = system.settings.stream;
  try {
    if (partitions === 1) {
      await pollUntil(async () => (await system.orderStatus(victim)).role === 'standby', { timeoutMs: 20_000, intervalMs: 50, what: `${victim} back as standby` });
    } else {
      const rebalanced = async () => (await system.healthy()) && (partitions < system.settings.orders.length || (await system.orderStatus(victim)).holds.length > 0);
      await pollUntil(rebalanced, { timeoutMs: 30_000, intervalMs: 50, what: `${victim} back, holding partitions again, each partition held once` });
    }
  } catch (error) {
    problem = `${victim} did not come back ${partitions === 1 ? 'as standby' : 'to take its share of the partitions'}: ${(error as Error).message}`;
  }
  return { victim, takeoverMs, consuming, restartMs: since(restartStart), problem };
}

export const killActiveOrder: Fault = {
  name: 'kill-active-order',
  async inject(context): Promise<FaultOutcome> {
    const start = performance.now();
    const first = await failOver(context, 'SIGKILL');
    const second = await failOver(context, 'SIGKILL');
    return {
      injected: `kill -9 ${first.victim} (active), then ${second.victim} (new active)`,
      recoveryMs: Math.max(first.takeoverMs, second.takeoverMs),
      details: [`takeover ${first.takeoverMs} ms and ${second.takeoverMs} ms`, `struck while applying: ${first.consuming && second.consuming ? 'yes' : 'not observed'}`],
      problems: [first.problem, second.problem].filter((p): p is string => p !== undefined),
      window: { start, end: performance.now() },
    };
  },
};

export const sigtermActiveOrder: Fault = {
  name: 'sigterm-active-order',
  async inject(context): Promise<FaultOutcome> {
    const start = performance.now();
    const result = await failOver(context, 'SIGTERM');
    return {
      injected: `SIGTERM ${result.victim} (active)`,
      recoveryMs: result.takeoverMs,
      details: [`takeover ${result.takeoverMs} ms`],
      problems: result.problem ? [result.problem] : [],
      window: { start, end: performance.now() },
    };
  },
};
