/**
 * A delete whose commit reached the disk while its answer did not (PostgreSQL crashed in between, so the service
 * answered 503): the retry finds the customer gone. The workload must count that delete as done, not as a failure,
 * and not touch the customer again. Against a stand-in customer-service on loopback that behaves exactly so.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Workload } from '../src/workload.js';
import { useStandInService } from './support/stand-in-service.js';

const customers = new Map<string, { version: number; deleted: boolean }>();
let lostAnswers = 0;
const service = useStandInService(({ method, customerId: id }, answer) => {
  if (method === 'POST') {
    const created = randomUUID();
    customers.set(created, { version: 1, deleted: false });
    return answer(201, { customer_id: created, version: 1 });
  }
  const customer = id ? customers.get(id) : undefined;
  if (!id || !customer || customer.deleted) return answer(404, { error: 'not_found', message: `customer ${id} not found` });
  customer.version++;
  if (method === 'PUT') return answer(200, { customer_id: id, version: customer.version });
  customer.deleted = true; // committed; the answer is lost on the way back from the database
  lostAnswers++;
  return answer(503, { error: 'database_unavailable', message: 'the database is not reachable; try again shortly' });
});

describe('the chaos workload when a delete committed but answered 503', () => {
  it('counts the delete as acknowledged on the 404 of its retry, and fails nothing', async () => {
    const ops = 400;
    const workload = new Workload({ customerUrl: service.url, ops, concurrency: 8, runId: 'ambiguous' });
    await workload.run();
    expect(lostAnswers).toBeGreaterThan(0);
    expect(workload.stats).toMatchObject({ issued: ops, acknowledged: ops, failed: 0, deletes: lostAnswers });
  });
});
