import type { HttpServer } from '@demo/service-kit';
import type { OrderService } from '../../services/orders.js';
import { getOrderRoute } from './get.js';
import { listOrdersRoute } from './list.js';
import { placeOrderRoute } from './place.js';

/** /orders: placing and reading orders. */
export async function ordersRoutes(app: HttpServer, options: { orders: OrderService }) {
  placeOrderRoute(app, options.orders);
  getOrderRoute(app, options.orders);
  listOrdersRoute(app, options.orders);
}
