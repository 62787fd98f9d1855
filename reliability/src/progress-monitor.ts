/**
 * Samples, in the background during a run, what moves under load: the events customer-service's
 * relay got confirmed by the broker (events_published_total) and how far the replica has applied
 * (the highest applied_offset the order instances report, per partition on a super stream). Faults read the stalls around
 * them from it: how long nothing was published, how long nothing was applied.
 */
import { delay } from './poll.js';
import { firstMoveAfter, longestStall, unreadiness, type ReadinessSample, type Sample, type Stall } from './stalls.js';
import { appliedProgress, type System } from './system.js';

const EVERY_MS = 100;

export interface ProgressMonitor {
  /** Each service that was not ready after `from`: for how long, and what it named down. */
  unreadySince(from: number): Array<{ service: string; ms: number; down: string[] }>;
  /** The longest publish and apply stalls that end after `from` (looking back 5 s before it for where they began). */
  stallsSince(from: number): { publish: Stall | undefined; apply: Stall | undefined };
  /** The time of the first sample after `from` at which more events were confirmed than at `from`. */
  publishedAfter(from: number, timeoutMs: number): Promise<number>;
  /** The time of the first sample after `from` at which the replica had applied further than at `from`. */
  appliedAfter(from: number, timeoutMs: number): Promise<number>;
  stop(): Promise<void>;
}

export function startProgressMonitor(system: System): ProgressMonitor {
  const published: Sample[] = [];
  const applied: Sample[] = [];
  const readiness = new Map<string, ReadinessSample[]>();
  const ready = (service: string, sample: ReadinessSample) => {
    const samples = readiness.get(service) ?? [];
    samples.push(sample);
    readiness.set(service, samples);
  };
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const at = performance.now();
      const [count, customerDown, statuses] = await Promise.all([
        system.metric('customer', 'events_published_total', '', 500).catch(() => undefined),
        system.customerDown(500),
        Promise.all(system.settings.orders.map((order) => system.orderStatus(order.name, 500))),
      ]);
      published.push({ at, value: count });
      applied.push({ at, value: appliedProgress(statuses) });
      ready('customer', { at, down: customerDown });
      for (const status of statuses) ready(status.instance, { at, down: status.down });
      await delay(Math.max(0, EVERY_MS - (performance.now() - at)));
    }
  })();
  const window = (samples: Sample[], from: number) => samples.filter((sample) => sample.at >= from - 5_000);
  return {
    unreadySince(from) {
      return [...readiness].map(([service, samples]) => ({ service, ...unreadiness(samples, from) })).filter((entry) => entry.ms > 0);
    },
    stallsSince(from) {
      return { publish: longestStall(window(published, from), from), apply: longestStall(window(applied, from), from) };
    },
    publishedAfter: (from, timeoutMs) => movedAfter(published, from, timeoutMs, 'no event was confirmed by the broker'),
    appliedAfter: (from, timeoutMs) => movedAfter(applied, from, timeoutMs, 'the replica applied nothing'),
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

async function movedAfter(samples: readonly Sample[], from: number, timeoutMs: number, what: string): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const moved = firstMoveAfter(samples, from);
    if (moved !== undefined) return moved;
    if (performance.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms`);
    await delay(EVERY_MS);
  }
}
