/**
 * The chaos load paced (--rate, make test-chaos-cluster): operations start 1/rate apart, all workers together, and
 * every one of them is still acknowledged. The slots are checked on a clock of the test's own; the workload against
 * a stand-in customer-service on loopback that answers each write at once, so that only the pace can make it last.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createPacer, Workload } from '../src/workload.js';
import { useStandInService } from './support/stand-in-service.js';

describe('the pacer', () => {
  it('hands out slots 1/rate apart to callers asking at once', () => {
    const pacer = createPacer(100, () => 1_000);
    expect(Array.from({ length: 5 }, () => pacer())).toEqual([0, 10, 20, 30, 40]);
  });

  it('starts at once after a pause, without making up the slots left unused', () => {
    let clock = 0;
    const pacer = createPacer(50, () => clock);
    expect([pacer(), pacer()]).toEqual([0, 20]);
    clock = 1_000;
    expect([pacer(), pacer(), pacer()]).toEqual([0, 20, 40]);
    clock = 1_030;
    expect(pacer()).toBe(30);
  });
});

const versions = new Map<string, number>();
const service = useStandInService(({ method, customerId: id }, answer) => {
  if (method === 'POST') {
    const created = randomUUID();
    versions.set(created, 1);
    answer(201, { customer_id: created, version: 1 });
  } else if (method === 'PUT' && id) {
    versions.set(id, (versions.get(id) ?? 1) + 1);
    answer(200, { customer_id: id, version: versions.get(id) });
  } else {
    answer(204);
  }
});

describe('the chaos workload with a rate', () => {
  it('acknowledges every operation, and cannot start the last before its slot', async () => {
    const ops = 30;
    const rate = 100;
    const began = performance.now();
    const workload = new Workload({ customerUrl: service.url, ops, concurrency: 8, ratePerSecond: rate, runId: 'pace' });
    await workload.run();
    expect(workload.stats).toMatchObject({ issued: ops, acknowledged: ops, failed: 0 });
    // The 30th start is 29 slots of 10 ms after the first (a timer fires no earlier than asked; 2 ms for rounding).
    expect(performance.now() - began).toBeGreaterThanOrEqual(((ops - 1) * 1000) / rate - 2);
  });
});
