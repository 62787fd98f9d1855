/** The original demo's rule: an order for a customer whose address is the literal `unknown` fails. */
export const ORDER_STATUSES = ['Processing', 'Failed'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const UNKNOWN_ADDRESS = 'unknown';

export function orderStatusFor(address: string): OrderStatus {
  return address === UNKNOWN_ADDRESS ? 'Failed' : 'Processing';
}
