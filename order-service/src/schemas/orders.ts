import Type, { type Static } from 'typebox';
import { ORDER_STATUSES } from '../domain/order-status.js';
import { Uuid } from './common.js';

export const CreateOrderBody = Type.Object({ customer_id: Uuid }, { additionalProperties: false });
export type CreateOrderBody = Static<typeof CreateOrderBody>;

export const Order = Type.Object(
  {
    order_id: Uuid,
    customer_id: Uuid,
    status: Type.Union([Type.Literal(ORDER_STATUSES[0]), Type.Literal(ORDER_STATUSES[1])], {
      description: '`Failed` when the customer address is `unknown`, else `Processing`',
    }),
    created_at: Type.String({ format: 'date-time' }),
  },
  { title: 'Order' },
);
export type Order = Static<typeof Order>;

export const OrdersQuery = Type.Object({ customer_id: Uuid }, { additionalProperties: false });
export const OrderList = Type.Object({ items: Type.Array(Order) });

/** The most orders GET /orders?customer_id= returns (oldest first). */
export const ORDER_LIST_LIMIT = 1_000;

/** The errors every /orders route may answer (besides its own). */
export const orderErrors = { 400: { $ref: 'ErrorBody' }, 503: { $ref: 'ErrorBody' } };
