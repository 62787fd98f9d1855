import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useServiceUnderTest } from '../support/in-process.js';

const MAX_WAITERS = 200;
const IN_FLIGHT = 1_000;
const service = useServiceUnderTest('flood', { READ_YOUR_WRITES_TIMEOUT_MS: '250', READ_YOUR_WRITES_MAX_WAITERS: String(MAX_WAITERS) });

/** A series' value on GET /metrics. */
async function metric(name: string): Promise<number> {
  const text = (await service().http.inject('/metrics')).body;
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
}

describe('POST /orders under a flood of unknown customer ids', () => {
  it('keeps at most READ_YOUR_WRITES_MAX_WAITERS orders waiting and answers the rest unknown at once', async () => {
    // Given
    const flood = 20_000;
    const heapBefore = process.memoryUsage().heapUsed;
    let peakWaiters = 0;
    let peakHeap = heapBefore;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peakWaiters = Math.max(peakWaiters, await metric('read_your_writes_waiters'));
        peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    // When 20,000 orders for ids that do not exist arrive, 1,000 at a time (all at once would
    // mostly measure the database pool's queue, whose wait for a connection is bounded too: 503)
    const started = Date.now();
    const answers = new Map<string, number>();
    let sent = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (sent++ < flood) {
          const answer = await service().postOrder(randomUUID());
          const what = `${answer.statusCode} ${answer.json<{ error?: string }>().error}`;
          answers.set(what, (answers.get(what) ?? 0) + 1);
        }
      }),
    );
    const ms = Date.now() - started;
    sampling = false;
    await sampler;
    // Then
    const refused = await metric('read_your_writes_refused_total');
    console.log(
      `${flood} orders for unknown ids, ${IN_FLIGHT} in flight, in ${ms} ms: peak ${peakWaiters} waiters (bound ${MAX_WAITERS}), ` +
        `${refused} answered without waiting, heap ${(heapBefore / 2 ** 20).toFixed(0)} -> peak ${(peakHeap / 2 ** 20).toFixed(0)} MB ` +
        `(the requests in flight included)`,
    );
    expect(Object.fromEntries(answers)).toEqual({ '400 unknown_customer': flood });
    expect(peakWaiters).toBeGreaterThan(0);
    expect(peakWaiters).toBeLessThanOrEqual(MAX_WAITERS);
    expect(refused).toBeGreaterThan(0);
    expect(await metric('read_your_writes_waiters')).toBe(0);
  });
});
