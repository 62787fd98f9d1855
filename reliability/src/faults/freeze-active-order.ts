/**
 * The active order-service instance freezes (SIGSTOP) for longer than its progress watchdog
 * (APPLY_STALL_TIMEOUT_MS) while the stream grows; the broker drops its connection after missed
 * heartbeats and promotes the standby. Then it thaws (SIGCONT) with the batch it held when it
 * froze: it must not apply anything after the other took over. The history of the stored offset
 * (verify/offset-history.ts) shows who moved it, in which order. Recovery = from the freeze to the
 * other instance reporting itself active.
 */
import { delay, pollUntil, since } from '../poll.js';
import { checkFence, recordOffsetHistory, type OffsetHistory } from '../verify/offset-history.js';
import type { Fault, FaultOutcome } from './fault.js';
import { describeStalls } from './stream-recovery.js';

/** Frozen this much longer than the watchdog's timeout. */
const BEYOND_WATCHDOG_MS = 2_000;

export const freezeActiveOrder: Fault = {
  name: 'freeze-active-order',
  async inject(context): Promise<FaultOutcome> {
    const { system, dbs, log } = context;
    const stallTimeoutMs = system.settings.applyStallTimeoutMs;
    await system.waitHealthy(30_000, 100);
    const victim = await system.waitActive({ timeoutMs: 30_000 });
    const successor = system.settings.orders.find((order) => order.name !== victim)!.name;
    let history: OffsetHistory | undefined;
    let frozenPid: number | undefined;
    try {
      history = await recordOffsetHistory(dbs.order);
      const recording = history;
      await pollUntil(async () => (await recording.moves()).some((move) => move.writer === victim), {
        timeoutMs: 20_000,
        intervalMs: 50,
        what: `${victim} to move the offset with the record in place`,
      });
      const start = performance.now();
      frozenPid = await system.signal(victim, 'SIGSTOP');
      log(`SIGSTOP ${victim} (pid ${frozenPid}, active); ${successor} must take over`);
      await pollUntil(async () => (await system.orderStatus(successor, 1_000)).role === 'active', {
        timeoutMs: stallTimeoutMs + 120_000,
        intervalMs: 20,
        what: `${successor} to become active while ${victim} is frozen`,
      });
      const takeoverMs = since(start);
      log(`${successor} active after ${takeoverMs} ms`);
      await delay(Math.max(0, stallTimeoutMs + BEYOND_WATCHDOG_MS - since(start))); // frozen beyond the watchdog: a duration
      const frozenMs = since(start);
      const thawed = performance.now();
      process.kill(frozenPid, 'SIGCONT');
      frozenPid = undefined;
      log(`SIGCONT ${victim} after ${frozenMs} ms frozen`);
      await pollUntil(async () => (await system.orderStatus(victim)).role === 'standby', {
        timeoutMs: 60_000,
        intervalMs: 50,
        what: `${victim} to report itself standby after the thaw`,
      });
      const standbyMs = since(thawed);
      // Give the thawed instance time to try: the successor applies two more batches after it is back.
      const seen = (await recording.moves()).length;
      await pollUntil(async () => (await recording.moves()).slice(seen).filter((move) => move.writer === successor).length >= 2, {
        timeoutMs: 30_000,
        intervalMs: 50,
        what: `${successor} to apply two more batches after ${victim} thawed`,
      });
      const fence = checkFence(await recording.moves(), victim, successor);
      log(`offset moves: ${victim} ${fence.victimMovesBefore} before the takeover and ${fence.victimMovesAfterTakeover} after; ${successor} ${fence.successorMoves}`);
      return {
        injected: `SIGSTOP ${victim} (active) ${(frozenMs / 1000).toFixed(1)} s, then SIGCONT`,
        recoveryMs: takeoverMs,
        details: [
          `takeover by ${successor} ${takeoverMs} ms after the freeze (watchdog ${stallTimeoutMs} ms)`,
          `${victim} standby ${standbyMs} ms after the thaw`,
          `stored offset moved ${fence.victimMovesBefore}× by ${victim} before the takeover, ${fence.successorMoves}× by ${successor} after, ${fence.victimMovesAfterTakeover}× by ${victim} after`,
          describeStalls(context, start),
        ],
        problems: fence.problems,
        window: { start, end: performance.now() },
      };
    } finally {
      if (frozenPid !== undefined) process.kill(frozenPid, 'SIGCONT');
      await history?.remove().catch((error: unknown) => log(`could not remove the offset record: ${(error as Error).message}`));
    }
  },
};
