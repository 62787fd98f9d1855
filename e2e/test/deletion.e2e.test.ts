import { describe, expect, it } from 'vitest';
import { createCustomer, deleteCustomer, placeOrder, replicaOf } from './support/api.js';
import { ORDER_INSTANCES } from './support/config.js';
import { eventually } from './support/eventually.js';

// Scenario 3: a deleted customer gets no new orders, on any instance.
describe('deletion', () => {
  it('a deleted customer is marked deleted in the replica and new orders for it are 400 on both instances', async () => {
    // Given a customer that orders can be placed for on both instances
    const customer = await createCustomer();
    for (const instance of ORDER_INSTANCES) {
      const order = await placeOrder(instance.url, customer.customer_id);
      expect(order.status, `${instance.name}: ${order.text}`).toBe(201);
      expect(order.body).toMatchObject({ status: 'Processing' });
    }

    // When the customer is deleted
    await deleteCustomer(customer.customer_id);

    // Then the replica marks it deleted (awaited by polling)...
    await eventually(
      async () => {
        const replica = await replicaOf(ORDER_INSTANCES[0]!.url, customer.customer_id);
        expect(replica.status).toBe(200);
        expect(replica.body).toMatchObject({ id: customer.customer_id, deleted: true, version: 2 });
      },
      { what: 'replica to mark the customer deleted' },
    );
    // ...and every instance refuses new orders for it
    for (const instance of ORDER_INSTANCES) {
      const order = await placeOrder(instance.url, customer.customer_id);
      expect(order.status, `${instance.name}: ${order.text}`).toBe(400);
      expect(order.body).toMatchObject({ error: 'unknown_customer', message: expect.any(String) });
    }
  });
});
