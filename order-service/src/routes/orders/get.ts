import type { HttpServer } from '@demo/service-kit';
import { IdParams } from '../../schemas/common.js';
import { Order, orderErrors } from '../../schemas/orders.js';
import type { OrderService } from '../../services/orders.js';

export function getOrderRoute(app: HttpServer, orders: OrderService) {
  app.get(
    '/orders/:id',
    {
      schema: {
        tags: ['orders'],
        summary: 'One order',
        params: IdParams,
        response: { 200: Order, 404: { $ref: 'ErrorBody' }, ...orderErrors },
      },
    },
    async (request) => orders.get(request.params.id),
  );
}
