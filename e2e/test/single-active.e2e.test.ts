import { describe, expect, it } from 'vitest';
import { createCustomer, updateAddress } from './support/api.js';
import { ORDER_INSTANCES } from './support/config.js';
import { awaitSingleActive, observeRoles } from './support/instances.js';
import { awaitReplicaCaughtUp } from './support/replica.js';

// Scenario 4: exactly one order-service instance applies the stream at any time.
describe('single active consumer', () => {
  it('exactly one instance is active by /ready and by stream_consumer_active', async () => {
    const { active, standbys } = await awaitSingleActive();
    console.log(`active: ${active.name}, standby: ${standbys.map((s) => s.name).join(', ')}`);
    expect(standbys).toHaveLength(ORDER_INSTANCES.length - 1);
  });

  it('stays so, with the same instance, at every one of 30 samples taken while customers are written', async () => {
    // Given the active instance
    const { active } = await awaitSingleActive();
    const ids: string[] = [];

    for (let sample = 0; sample < 30; sample++) {
      // When customers are created and updated between samples
      const customer = await createCustomer();
      ids.push(customer.customer_id);
      if (sample % 3 === 0) await updateAddress(customer.customer_id, `${sample} Sample Street`);

      // Then every sample shows exactly one active instance, the same one, by both signals
      const roles = await observeRoles();
      const summary = roles.map((r) => `${r.instance.name}: ${r.role}/${r.metricActive}`).join(', ');
      for (const r of roles) {
        const isActive = r.instance.name === active.name;
        expect(r.role, `sample ${sample}: ${summary}`).toBe(isActive ? 'active' : 'standby');
        expect(r.metricActive, `sample ${sample}: ${summary}`).toBe(isActive ? 1 : 0);
      }
    }
    // ...and the replica behind both instances caught up with what was written
    await awaitReplicaCaughtUp(ORDER_INSTANCES[1]!.url, ids);
  });

  it("the active instance's applied offset advances as events are applied", async () => {
    const { active } = await awaitSingleActive();
    const before = (await observeRoles([active]))[0]!.appliedOffset;
    expect(before, 'applied_offset of the active instance').not.toBeUndefined();

    const customer = await createCustomer();
    await awaitReplicaCaughtUp(active.url, [customer.customer_id]);

    const after = (await observeRoles([active]))[0]!.appliedOffset;
    const asOffset = (value: unknown) => (value === null ? -1n : BigInt(String(value)));
    expect(asOffset(after)).toBeGreaterThan(asOffset(before));
  });
});
