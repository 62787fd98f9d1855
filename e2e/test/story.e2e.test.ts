import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCustomer, placeOrder, replicaOf, updateAddress, type Customer, type Order } from './support/api.js';
import { ORDER_INSTANCES } from './support/config.js';
import { eventually } from './support/eventually.js';
import { get, post } from './support/http.js';

// Scenario 1: the original demo's story, with no sleeps.
const [first, second] = ORDER_INSTANCES as [(typeof ORDER_INSTANCES)[0], (typeof ORDER_INSTANCES)[0]];

describe('the original story: customer, orders, address update', () => {
  let customer: Customer;
  let failedOrder: Order;
  let processingOrder: Order;

  it(`a customer created with address "unknown" gets a Failed order on ${first.name} at once (read your writes)`, async () => {
    // Given a new customer whose address is unknown
    customer = await createCustomer({ address: 'unknown' });
    expect(customer.version).toBe(1);

    // When an order is posted for it immediately, on the first instance
    const response = await placeOrder(first.url, customer.customer_id);

    // Then it is created, and Failed
    expect(response.status, response.text).toBe(201);
    failedOrder = response.body as Order;
    expect(failedOrder).toMatchObject({ customer_id: customer.customer_id, status: 'Failed' });
    expect(failedOrder.order_id).toEqual(expect.any(String));
  });

  it.each(ORDER_INSTANCES)('an order for a random customer id is 400 unknown_customer on $name', async (instance) => {
    // Given a customer id nobody created
    const unknownId = randomUUID();

    // When an order is posted for it
    const response = await placeOrder(instance.url, unknownId);

    // Then it is refused as an unknown customer
    expect(response.status, response.text).toBe(400);
    expect(response.body).toMatchObject({ error: 'unknown_customer', message: expect.any(String) });
  });

  it(`after the address is updated, a new order on ${second.name} is Processing`, async () => {
    // Given the customer's address is updated
    const updated = await updateAddress(customer.customer_id, '1 Known Road');
    expect(updated.version).toBe(2);
    // ...and the replica behind the second instance received the change (polled, not slept)
    await eventually(
      async () => {
        const replica = await replicaOf(second.url, customer.customer_id);
        expect(replica.body).toMatchObject({ address: '1 Known Road', version: 2 });
      },
      { what: 'replica to receive the address update' },
    );

    // When an order is posted on the second instance
    const response = await placeOrder(second.url, customer.customer_id);

    // Then it is Processing
    expect(response.status, response.text).toBe(201);
    processingOrder = response.body as Order;
    expect(processingOrder).toMatchObject({ customer_id: customer.customer_id, status: 'Processing' });
  });

  it('GET /orders/:id returns each order from either instance', async () => {
    for (const order of [failedOrder, processingOrder]) {
      for (const instance of ORDER_INSTANCES) {
        // When the order is read from this instance
        const response = await get<Order>(`${instance.url}/orders/${order.order_id}`);
        // Then it is the order as created
        expect(response.status, `${instance.name} GET /orders/${order.order_id}`).toBe(200);
        expect(response.body).toEqual(order);
      }
    }
  });

  it('GET /orders?customer_id= lists both orders of the customer on either instance', async () => {
    for (const instance of ORDER_INSTANCES) {
      const response = await get<{ items: Order[] }>(`${instance.url}/orders?customer_id=${customer.customer_id}`);
      expect(response.status, response.text).toBe(200);
      expect(response.body.items.map((order) => order.order_id).sort()).toEqual(
        [failedOrder.order_id, processingOrder.order_id].sort(),
      );
    }
  });

  it.each(ORDER_INSTANCES)('order errors on $name: unknown id 404, malformed ids and bodies 4xx JSON', async (instance) => {
    const unknown = await get(`${instance.url}/orders/${randomUUID()}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: expect.any(String), message: expect.any(String) });

    // The spec lists only 404 for GET /orders/:id: a malformed id may be either, never a 5xx.
    const malformed = await get(`${instance.url}/orders/not-a-uuid`);
    expect([400, 404]).toContain(malformed.status);
    expect(malformed.body).toMatchObject({ error: expect.any(String), message: expect.any(String) });

    for (const body of [{}, { customer_id: 'not-a-uuid' }, { customer_id: 42 }]) {
      const response = await post(`${instance.url}/orders`, body);
      expect(response.status, `POST /orders ${JSON.stringify(body)}`).toBe(400);
      expect(response.body).toMatchObject({ error: 'validation_failed', message: expect.any(String) });
    }

    const badQuery = await get(`${instance.url}/orders?customer_id=not-a-uuid`);
    expect(badQuery.status).toBe(400);
    expect(badQuery.body).toMatchObject({ error: expect.any(String), message: expect.any(String) });
  });
});
