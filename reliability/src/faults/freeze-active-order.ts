/**
 * The active order-service instance freezes (SIGSTOP) for longer than its progress watchdog
 * (APPLY_STALL_TIMEOUT_MS) while the stream grows; the broker drops its connection after missed
 * heartbeats and promotes the standby. Then it thaws (SIGCONT) with the batch it held when it
 * froze: it must not apply anything after the other took over. The history of the stored offset
 * (verify/offset-history.ts) shows who moved it, in which order. Recovery = from the freeze to the
 * other instance reporting itself active. On a super stream: the instance holding the most
 * partitions freezes; the others take those over, and the history is checked per partition (after
 * its thaw the broker may give it a partition back: it must continue where the others stopped).
 */
import pg from 'pg';
import { delay, pollUntil, since } from '../poll.js';
import { checkFence, checkPartitionFences, recordOffsetHistory, type OffsetHistory } from '../verify/offset-history.js';
import type { Fault, FaultOutcome } from './fault.js';
import { describeStalls } from './stream-recovery.js';

/** Frozen this much longer than the watchdog's timeout. */
const BEYOND_WATCHDOG_MS = 2_000;

export const freezeActiveOrder: Fault = {
  name: 'freeze-active-order',
  async inject(context): Promise<FaultOutcome> {
    const { system, log } = context;
    // The record is a table and a trigger in order_db: made as its owner (the suite's own role may only read it).
    const owner = new pg.Pool({ connectionString: system.settings.orderOwnerDbUrl, max: 2, application_name: 'chaos offset record' });
    owner.on('error', () => undefined);
    const stallTimeoutMs = system.settings.applyStallTimeoutMs;
    await system.waitHealthy(30_000, 100);
    const victim = await system.waitActive({ timeoutMs: 30_000 });
    const partitioned = system.settings.stream.partitions > 1;
    const successor = system.settings.orders.find((order) => order.name !== victim)!.name;
    let history: OffsetHistory | undefined;
    let frozenPid: number | undefined;
    try {
      history = await recordOffsetHistory(owner);
      const recording = history;
      await pollUntil(async () => (await recording.moves()).some((move) => move.writer === victim), {
        timeoutMs: 20_000,
        intervalMs: 50,
        what: `${victim} to move the offset with the record in place`,
      });
      const held = (await system.orderStatus(victim)).holds;
      const start = performance.now();
      frozenPid = await system.signal(victim, 'SIGSTOP');
      log(`SIGSTOP ${victim} (pid ${frozenPid}, active${partitioned ? ` on ${held.join(', ')}` : ''}); ${partitioned ? 'the others' : successor} must take over`);
      const takenOver = partitioned
        ? system.waitActive({ timeoutMs: stallTimeoutMs + 120_000, not: victim, intervalMs: 20 })
        : pollUntil(async () => (await system.orderStatus(successor, 1_000)).role === 'active', {
            timeoutMs: stallTimeoutMs + 120_000,
            intervalMs: 20,
            what: `${successor} to become active while ${victim} is frozen`,
          });
      await takenOver;
      const takeoverMs = since(start);
      log(`${partitioned ? 'every partition held by another instance' : `${successor} active`} after ${takeoverMs} ms`);
      await delay(Math.max(0, stallTimeoutMs + BEYOND_WATCHDOG_MS - since(start))); // frozen beyond the watchdog: a duration
      const frozenMs = since(start);
      const thawed = performance.now();
      const thawSeq = Math.max(0, ...(await recording.moves()).map((move) => move.seq));
      process.kill(frozenPid, 'SIGCONT');
      frozenPid = undefined;
      log(`SIGCONT ${victim} after ${frozenMs} ms frozen`);
      const back = partitioned ? async () => system.healthy() : async () => (await system.orderStatus(victim)).role === 'standby';
      await pollUntil(back, {
        timeoutMs: 60_000,
        intervalMs: 50,
        what: partitioned ? `every instance ready and every partition held once after ${victim} thawed` : `${victim} to report itself standby after the thaw`,
      });
      const standbyMs = since(thawed);
      // Give the thawed instance time to try: the others apply two more batches after it is back.
      const seen = (await recording.moves()).length;
      await pollUntil(async () => (await recording.moves()).slice(seen).filter((move) => move.writer !== victim).length >= 2, {
        timeoutMs: 30_000,
        intervalMs: 50,
        what: `the other instances to apply two more batches after ${victim} thawed`,
      });
      const moves = await recording.moves();
      let fenceDetail: string;
      let problems: string[];
      if (partitioned) {
        const fence = checkPartitionFences(moves, victim, held, thawSeq);
        fenceDetail = `offsets of ${held.join(', ')} moved ${fence.victimMovesBefore}× by ${victim} before the takeover, ${fence.othersMoves}× by the others after, ${fence.victimMovesWhileFrozen}× by ${victim} while frozen, ${fence.victimMovesAfterThaw}× by ${victim} after its thaw (partitions given back, continuing)`;
        problems = fence.problems;
      } else {
        const fence = checkFence(moves, victim, successor);
        fenceDetail = `stored offset moved ${fence.victimMovesBefore}× by ${victim} before the takeover, ${fence.successorMoves}× by ${successor} after, ${fence.victimMovesAfterTakeover}× by ${victim} after`;
        problems = fence.problems;
      }
      log(fenceDetail);
      return {
        injected: `SIGSTOP ${victim} (active) ${(frozenMs / 1000).toFixed(1)} s, then SIGCONT`,
        recoveryMs: takeoverMs,
        details: [
          `takeover ${partitioned ? 'of every partition it held' : `by ${successor}`} ${takeoverMs} ms after the freeze (watchdog ${stallTimeoutMs} ms)`,
          `${victim} ${partitioned ? 'back, every partition held once,' : 'standby'} ${standbyMs} ms after the thaw`,
          fenceDetail,
          describeStalls(context, start),
        ],
        problems,
        window: { start, end: performance.now() },
      };
    } finally {
      if (frozenPid !== undefined) process.kill(frozenPid, 'SIGCONT');
      await history?.remove().catch((error: unknown) => log(`could not remove the offset record: ${(error as Error).message}`));
      await owner.end();
    }
  },
};
