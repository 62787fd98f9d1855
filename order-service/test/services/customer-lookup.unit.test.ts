import { randomUUID } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { ReplicaCustomerRow } from '../../src/db/replica.js';
import { createMetrics } from '../../src/metrics.js';
import { createCustomerLookup } from '../../src/services/customer-lookup.js';

/** A replica in memory, and the notification its applier sends after a commit. */
function fakeReplica() {
  const rows = new Map<string, ReplicaCustomerRow>();
  const listeners: Array<() => void> = [];
  return {
    queries: {
      one: async (id: string) => rows.get(id),
      many: async (ids: readonly string[]) => ids.flatMap((id) => rows.get(id) ?? []),
    },
    replica: { onReplicaChanged: (listener: () => void) => void listeners.push(listener) },
    apply(id: string) {
      rows.set(id, { id, address: '1 Main St', version: 1, deleted: false, updated_at: new Date(), last_event_offset: '0' });
      for (const listener of listeners) listener();
    },
  };
}

function lookupWith(options: { timeoutMs: number; maxWaiters: number }) {
  const replica = fakeReplica();
  const metrics = createMetrics(new Registry());
  const lookup = createCustomerLookup({ ...replica, ...options, metrics });
  return { lookup, replica, metrics };
}

const gc = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

function heapMb(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('read-your-writes lookup', () => {
  it('answers a customer the replica gets while the order waits', async () => {
    const { lookup, replica } = lookupWith({ timeoutMs: 5_000, maxWaiters: 10 });
    const id = randomUUID();
    const found = lookup.find(id);
    await settle();
    expect(lookup.waiters).toBe(1);
    replica.apply(id);
    expect((await found)?.id).toBe(id);
    expect(lookup.waiters).toBe(0);
  });

  it('answers unknown after the timeout, and no longer counts the waiter', async () => {
    const { lookup, metrics } = lookupWith({ timeoutMs: 50, maxWaiters: 10 });
    expect(await lookup.find(randomUUID())).toBeUndefined();
    expect(lookup.waiters).toBe(0);
    expect((await metrics.readYourWritesWaiters.get()).values[0]?.value).toBe(0);
  });

  it('answers unknown at once past maxWaiters, and counts it', async () => {
    const { lookup, metrics } = lookupWith({ timeoutMs: 5_000, maxWaiters: 2 });
    const waiting = [lookup.find(randomUUID()), lookup.find(randomUUID())];
    await settle();
    const started = Date.now();
    expect(await lookup.find(randomUUID())).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(100);
    expect(lookup.waiters).toBe(2);
    expect((await metrics.readYourWritesRefused.get()).values[0]?.value).toBe(1);
    lookup.close();
    expect(await Promise.all(waiting)).toEqual([undefined, undefined]);
    expect(lookup.waiters).toBe(0);
  });

  it('holds at most maxWaiters of a flood of 20,000 orders for ids that do not exist', async () => {
    const flood = 20_000;
    const maxWaiters = 1_000;
    const measure = async (bound: number) => {
      const { lookup } = lookupWith({ timeoutMs: 60_000, maxWaiters: bound });
      const before = heapMb();
      let peak = 0;
      const answers = Array.from({ length: flood }, () =>
        lookup.find(randomUUID()).then((row) => {
          peak = Math.max(peak, lookup.waiters);
          return row;
        }),
      );
      await settle();
      peak = Math.max(peak, lookup.waiters);
      // Every refused order is answered by now; what stays is what the waiters hold.
      const held = heapMb() - before;
      lookup.close();
      const rows = await Promise.all(answers);
      return { peak, held, unknown: rows.filter((row) => row === undefined).length, after: lookup.waiters };
    };

    const bounded = await measure(maxWaiters);
    const unbounded = await measure(flood);
    console.log(
      `read-your-writes flood of ${flood}: bound ${maxWaiters} -> peak ${bounded.peak} waiters, ` +
        `${bounded.held.toFixed(1)} MB held; without a bound -> peak ${unbounded.peak} waiters, ${unbounded.held.toFixed(1)} MB held`,
    );
    expect(bounded.peak).toBe(maxWaiters);
    expect(bounded.unknown).toBe(flood);
    expect(bounded.after).toBe(0);
    expect(unbounded.peak).toBe(flood);
    expect(bounded.held).toBeLessThan(unbounded.held / 4);
    expect(bounded.held).toBeLessThan(5);
  });
});
