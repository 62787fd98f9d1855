import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCustomer, placeOrder, updateAddress, type Customer } from './support/api.js';
import { ORDER_INSTANCES, type OrderInstance } from './support/config.js';
import { elapsedMs } from './support/eventually.js';
import { awaitSingleActive, observeRoles } from './support/instances.js';
import { killHard, restoreAll, start, stopGracefully } from './support/processes.js';
import { awaitReplicaCaughtUp } from './support/replica.js';

// Scenario 5: the active order-service instance stops (SIGTERM, then kill -9) while customers keep being
// written; the standby takes over, the replica catches up, orders validate, the stopped one returns as standby.

/** Writes to customer-service one request at a time: creates (every third with address "unknown") and updates. */
function customerWriter() {
  const customers = new Map<string, Customer>();
  let writes = 0;
  return {
    customers,
    get writes() {
      return writes;
    },
    async writeOne(): Promise<void> {
      const existing = [...customers.values()];
      if (writes % 4 === 3 && existing.length > 0) {
        const target = existing[writes % existing.length]!;
        if (target.address !== 'unknown') {
          customers.set(target.customer_id, await updateAddress(target.customer_id, `${writes} Failover Lane`));
          writes++;
          return;
        }
      }
      const customer = await createCustomer(writes % 3 === 0 ? { address: 'unknown' } : {});
      customers.set(customer.customer_id, customer);
      writes++;
    },
  };
}

const modes: Array<[string, (instance: OrderInstance) => Promise<void>]> = [
  ['SIGTERM', stopGracefully],
  ['kill -9', killHard],
];

beforeAll(async () => {
  const restarted = await restoreAll(ORDER_INSTANCES);
  if (restarted.length > 0) console.log(`restarted before the failover tests: ${restarted.join(', ')}`);
  await awaitSingleActive();
});

afterAll(async () => {
  // Whatever happened above, leave the two-instance setup as it was.
  const restarted = await restoreAll(ORDER_INSTANCES);
  if (restarted.length > 0) console.log(`restored after the failover tests: ${restarted.join(', ')}`);
  await awaitSingleActive(ORDER_INSTANCES, 30_000);
});

describe.each(modes)('failover on %s of the active instance', (signal, stop) => {
  let stopped: OrderInstance;
  let survivor: OrderInstance;
  const writer = customerWriter();

  it(`${signal}: while customers are being written, the standby becomes active`, async () => {
    // Given one active and one standby instance, and customers being written
    const roles = await awaitSingleActive();
    stopped = roles.active;
    survivor = roles.standbys[0]!;
    for (let i = 0; i < 5; i++) await writer.writeOne();

    // When the active instance is stopped, and writes go on
    const startedAt = performance.now();
    const stopping = stop(stopped);
    let takeoverMs: number | undefined;
    let writesAfterTakeover = 0;
    while (writesAfterTakeover < 20) {
      await writer.writeOne();
      if (takeoverMs === undefined) {
        const [role] = await observeRoles([survivor]);
        if (role?.role === 'active' && role.metricActive === 1) takeoverMs = elapsedMs(startedAt);
        else if (elapsedMs(startedAt) > 30_000) break;
      } else writesAfterTakeover++;
    }
    await stopping;

    // Then the other instance took over (by /ready and stream_consumer_active), within the bound
    console.log(
      `${signal} of ${stopped.name}: ${survivor.name} active after ${takeoverMs ?? 'never (> 30000)'} ms; ${writer.writes} writes so far`,
    );
    expect(takeoverMs, `${survivor.name} to become active after ${signal} of ${stopped.name}`).toBeDefined();
    await awaitSingleActive([survivor]);
  });

  it(`${signal}: the replica catches up with every customer written before, during and after the failover`, async () => {
    expect(writer.writes, 'writes before, during and after the failover').toBeGreaterThanOrEqual(25);
    await awaitReplicaCaughtUp(survivor.url, [...writer.customers.keys()], 30_000);
  });

  it(`${signal}: orders validate on the new active instance (Processing, Failed, unknown_customer, read your writes)`, async () => {
    const written = [...writer.customers.values()];
    const known = written.filter((c) => c.address !== 'unknown').at(-1)!;
    const unknownAddress = written.filter((c) => c.address === 'unknown').at(-1)!;

    expect((await placeOrder(survivor.url, known.customer_id)).body).toMatchObject({ status: 'Processing' });
    expect((await placeOrder(survivor.url, unknownAddress.customer_id)).body).toMatchObject({ status: 'Failed' });
    const unknownCustomer = await placeOrder(survivor.url, randomUUID());
    expect(unknownCustomer.status).toBe(400);
    expect(unknownCustomer.body).toMatchObject({ error: 'unknown_customer' });

    // a customer created now is ordered at once, with no wait: the new active applies it
    const fresh = await createCustomer();
    const order = await placeOrder(survivor.url, fresh.customer_id);
    expect(order.status, order.text).toBe(201);
    expect(order.body).toMatchObject({ status: 'Processing' });
  });

  it(`${signal}: the stopped instance restarts as standby and the new one stays active`, async () => {
    // When the stopped instance is started again
    await start(stopped);

    // Then it is standby and the survivor stays active
    const { active, standbys } = await awaitSingleActive();
    expect(active.name).toBe(survivor.name);
    expect(standbys.map((s) => s.name)).toEqual([stopped.name]);
    // and, as a standby, it serves orders for a customer created just now (read your writes)
    const customer = await createCustomer();
    const order = await placeOrder(stopped.url, customer.customer_id);
    expect(order.status, order.text).toBe(201);
    expect(order.body).toMatchObject({ status: 'Processing' });
  });
});
