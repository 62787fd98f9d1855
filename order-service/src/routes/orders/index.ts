import { randomUUID } from 'node:crypto';
import { HttpError, notFound, type HttpServer } from '@demo/service-kit';
import type { RouteContext } from '../../context.js';
import { findOrder, insertOrder, listOrdersOfCustomer, type OrderRow } from '../../db/orders.js';
import { orderStatusFor } from '../../domain/order-status.js';
import { IdParams } from '../../schemas/common.js';
import { CreateOrderBody, Order, ORDER_LIST_LIMIT, OrderList, OrdersQuery } from '../../schemas/orders.js';

const errors = { 400: { $ref: 'ErrorBody' }, 503: { $ref: 'ErrorBody' } };

function toOrder(row: OrderRow): Order {
  return { order_id: row.id, customer_id: row.customer_id, status: row.status, created_at: row.created_at.toISOString() };
}

export async function ordersRoutes(app: HttpServer, { context }: { context: RouteContext }) {
  app.post(
    '/orders',
    {
      schema: {
        tags: ['orders'],
        summary: 'Place an order; validated against the customer replica (waits briefly for a customer just created)',
        body: CreateOrderBody,
        response: { 201: Order, ...errors },
      },
    },
    async (request, reply) => {
      const customerId = request.body.customer_id;
      const customer = await context.customers.find(customerId);
      if (!customer || customer.deleted || customer.address === null) {
        throw new HttpError(400, 'unknown_customer', `customer ${customerId} does not exist or is deleted`);
      }
      const status = orderStatusFor(customer.address);
      const row = await insertOrder(context.db, { id: randomUUID(), customerId, status });
      context.metrics.ordersCreated.inc({ status });
      return reply.status(201).send(toOrder(row));
    },
  );

  app.get(
    '/orders/:id',
    {
      schema: {
        tags: ['orders'],
        summary: 'One order',
        params: IdParams,
        response: { 200: Order, 404: { $ref: 'ErrorBody' }, ...errors },
      },
    },
    async (request) => {
      const row = await findOrder(context.db, request.params.id);
      if (!row) throw notFound(`order ${request.params.id} not found`);
      return toOrder(row);
    },
  );

  app.get(
    '/orders',
    {
      schema: {
        tags: ['orders'],
        summary: `A customer's orders, oldest first (at most ${ORDER_LIST_LIMIT})`,
        querystring: OrdersQuery,
        response: { 200: OrderList, ...errors },
      },
    },
    async (request) => {
      const rows = await listOrdersOfCustomer(context.db, request.query.customer_id, ORDER_LIST_LIMIT);
      return { items: rows.map(toOrder) };
    },
  );
}
