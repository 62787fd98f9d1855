import type { Replica } from '../consumer/replica-group.js';
import type { ReplicaCustomerQueries, ReplicaCustomerRow } from '../db/replica.js';
import type { Metrics } from '../metrics.js';

export interface CustomerLookup {
  /**
   * The replica's row for `id`. When the customer is not there yet, waits up to the configured
   * time for an applier's commit (on any instance) to bring it, then answers undefined; when
   * `maxWaiters` requests are waiting already, answers undefined at once.
   */
  find(id: string): Promise<ReplicaCustomerRow | undefined>;
  /** Requests waiting now. */
  readonly waiters: number;
  /** Answers every waiter with "not found" at once (shutdown). */
  close(): void;
}

/** Re-checks at this pace too, in case the LISTEN connection is down and a notification is missed. */
const SAFETY_POLL_MS = 100;

/**
 * Read-your-writes for orders: a customer created a moment ago may not be in the replica yet, so
 * an order for an unknown id waits (bounded in time) for it. The waiters are bounded in number
 * too: a flood of orders for ids that do not exist cannot hold more than `maxWaiters` of them
 * (and their share of memory); past that an unknown id is answered unknown without waiting.
 */
export function createCustomerLookup(options: {
  queries: ReplicaCustomerQueries;
  replica: Pick<Replica, 'onReplicaChanged'>;
  timeoutMs: number;
  maxWaiters: number;
  metrics: Pick<Metrics, 'readYourWritesWaiters' | 'readYourWritesRefused'>;
}): CustomerLookup {
  const { queries, timeoutMs, maxWaiters, metrics } = options;
  const waiting = new Map<string, Set<(row: ReplicaCustomerRow | undefined) => void>>();
  let waiterCount = 0;
  let checking = false;
  let checkAgain = false;
  let poll: NodeJS.Timeout | undefined;

  function dropped(count: number) {
    waiterCount -= count;
    metrics.readYourWritesWaiters.set(waiterCount);
  }

  function settle(id: string, row: ReplicaCustomerRow | undefined) {
    const waiters = waiting.get(id);
    if (!waiters) return;
    waiting.delete(id);
    for (const resolve of waiters) resolve(row);
    dropped(waiters.size);
    if (waiting.size === 0 && poll) {
      clearInterval(poll);
      poll = undefined;
    }
  }

  /** One query for every pending waiter, however many notifications arrive meanwhile. */
  async function check() {
    if (waiting.size === 0) {
      clearInterval(poll);
      poll = undefined;
      return;
    }
    if (checking) {
      checkAgain = true;
      return;
    }
    checking = true;
    try {
      do {
        checkAgain = false;
        const rows = await queries.many([...waiting.keys()]).catch(() => []);
        for (const row of rows) settle(row.id, row);
      } while (checkAgain && waiting.size > 0);
    } finally {
      checking = false;
    }
  }

  options.replica.onReplicaChanged(() => void check());

  return {
    async find(id) {
      const row = await queries.one(id);
      if (row || timeoutMs <= 0) return row;
      if (waiterCount >= maxWaiters) {
        metrics.readYourWritesRefused.inc();
        return undefined;
      }
      waiterCount++;
      metrics.readYourWritesWaiters.set(waiterCount);
      return new Promise<ReplicaCustomerRow | undefined>((resolve) => {
        const timer = setTimeout(() => {
          const waiters = waiting.get(id);
          if (waiters?.delete(done)) dropped(1);
          if (waiters?.size === 0) waiting.delete(id);
          resolve(undefined);
        }, timeoutMs);
        function done(found: ReplicaCustomerRow | undefined) {
          clearTimeout(timer);
          resolve(found);
        }
        const waiters = waiting.get(id) ?? new Set();
        waiters.add(done);
        waiting.set(id, waiters);
        poll ??= setInterval(() => void check(), SAFETY_POLL_MS);
        // The row may have been committed between the first read and the registration.
        void check();
      });
    },
    get waiters() {
      return waiterCount;
    },
    close() {
      for (const id of [...waiting.keys()]) settle(id, undefined);
    },
  };
}
