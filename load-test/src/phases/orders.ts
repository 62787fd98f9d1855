import { runBatch, type BatchResult, type PhaseCounter } from '../http-load.js';
import type { PhaseOptions } from './create.js';
import { AddressKind, acknowledgedIndexes, addressOf, errorKind, type RunModel } from './model.js';

export interface OrderMismatch {
  customerId: string;
  address: string;
  expected: string;
  got: string;
  instance: string;
}

export interface OrderOutcome {
  results: Array<BatchResult<number>>;
  byStatus: Record<string, number>;
  mismatches: OrderMismatch[];
}

/**
 * POST /orders for customers that are not planned for an update (their address is known exactly), split
 * evenly across the order instances and sent to all of them at once: `Failed` is expected for
 * the address `unknown`, `Processing` otherwise.
 */
export async function placeOrders(
  model: RunModel,
  planned: ReadonlySet<number>,
  count: number,
  orderUrls: string[],
  random: () => number,
  counters: PhaseCounter[],
  options: Omit<PhaseOptions, 'baseUrl'>,
): Promise<OrderOutcome> {
  const candidates = acknowledgedIndexes(model).filter((i) => !planned.has(i) && !model.updated[i]);
  const picks = Array.from({ length: count }, () => candidates[Math.floor(random() * candidates.length)]!).filter(
    (i) => i !== undefined,
  );
  const byStatus: Record<string, number> = {};
  const mismatches: OrderMismatch[] = [];
  const perInstance = Math.max(1, Math.floor(options.concurrency / orderUrls.length));
  const results = await Promise.all(
    orderUrls.map((url, k) =>
      runBatch<number>({
        ...options,
        concurrency: perInstance,
        baseUrl: url,
        counter: counters[k]!,
        items: picks.filter((_, j) => j % orderUrls.length === k),
        build: (i) => ({ method: 'POST', path: '/orders', body: JSON.stringify({ customer_id: model.ids[i] }) }),
        accept(i, status, body) {
          if (status !== 201) return errorKind(status, body);
          const order = JSON.parse(body) as { status?: string };
          const got = String(order.status);
          byStatus[got] = (byStatus[got] ?? 0) + 1;
          const expected = model.addresses[i] === AddressKind.unknown ? 'Failed' : 'Processing';
          if (got !== expected) mismatches.push({ customerId: model.ids[i]!, address: addressOf(model, i), expected, got, instance: url });
          return 'ok';
        },
      }),
    ),
  );
  return { results, byStatus, mismatches };
}
