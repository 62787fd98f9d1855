import type { HttpServer } from '@demo/service-kit';
import { ORDER_LIST_LIMIT, OrderList, OrdersQuery, orderErrors } from '../../schemas/orders.js';
import type { OrderService } from '../../services/orders.js';

export function listOrdersRoute(app: HttpServer, orders: OrderService) {
  app.get(
    '/orders',
    {
      schema: {
        tags: ['orders'],
        summary: `A customer's orders, oldest first (at most ${ORDER_LIST_LIMIT})`,
        querystring: OrdersQuery,
        response: { 200: OrderList, ...orderErrors },
      },
    },
    async (request) => ({ items: await orders.listOfCustomer(request.query.customer_id) }),
  );
}
