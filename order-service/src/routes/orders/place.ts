import type { HttpServer } from '@demo/service-kit';
import { CreateOrderBody, Order, orderErrors } from '../../schemas/orders.js';
import type { OrderService } from '../../services/orders.js';

export function placeOrderRoute(app: HttpServer, orders: OrderService) {
  app.post(
    '/orders',
    {
      schema: {
        tags: ['orders'],
        summary: 'Place an order; validated against the customer replica (waits briefly for a customer just created)',
        body: CreateOrderBody,
        response: { 201: Order, ...orderErrors },
      },
    },
    async (request, reply) => reply.status(201).send(await orders.place(request.body.customer_id)),
  );
}
