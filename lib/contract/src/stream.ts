/** The one stream customer-service writes and order-service reads. */
export const CUSTOMER_STREAM = 'customer';

/**
 * Arguments the stream is declared with, by whichever service starts first.
 * 1 GB retention, in 50 MB segments so that retention frees space in
 * small steps instead of one 500 MB segment at a time (the broker's default segment size).
 */
export const CUSTOMER_STREAM_ARGUMENTS = {
  'max-length-bytes': 1_000_000_000,
  'stream-max-segment-size-bytes': 50_000_000,
  // On a cluster: a leader and two replicas (a single node ignores it).
  'initial-cluster-size': 3,
} as const;

/** Consumer name shared by every order-service instance under single active consumer. */
export const ORDER_SERVICE_CONSUMER = 'order-service';
