export const ORDER_STATUSES = ['Processing', 'Failed'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

const UNKNOWN_ADDRESS = 'unknown';

/** An order for a customer whose address is the literal `unknown` fails; any other address is processed. */
export function orderStatusFor(address: string): OrderStatus {
  return address === UNKNOWN_ADDRESS ? 'Failed' : 'Processing';
}
