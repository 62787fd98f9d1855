export const ORDER_STATUSES = ['Processing', 'Failed'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * An order for a customer whose address is the literal `unknown` fails; any other address is
 * processed. Kept as data so that the grouped placement (db/orders.ts) applies the same rule in
 * its statement.
 */
export const ORDER_STATUS_RULE = { failingAddress: 'unknown', whenFailing: 'Failed', otherwise: 'Processing' } as const satisfies {
  failingAddress: string;
  whenFailing: OrderStatus;
  otherwise: OrderStatus;
};

export function orderStatusFor(address: string): OrderStatus {
  return address === ORDER_STATUS_RULE.failingAddress ? ORDER_STATUS_RULE.whenFailing : ORDER_STATUS_RULE.otherwise;
}
