import type { Kysely } from 'kysely';
import type { ReplicaSync } from '../consumer/replica-sync.js';
import { findReplicaCustomer, findReplicaCustomers, type ReplicaCustomerRow } from '../db/replica.js';
import type { Database } from '../db/schema.js';

export interface CustomerLookup {
  /**
   * The replica's row for `id`. When the customer is not there yet, waits up to the configured
   * bound for an applier's commit (on any instance) to bring it, then answers undefined.
   */
  find(id: string): Promise<ReplicaCustomerRow | undefined>;
  /** Answers every waiter with "not found" at once (shutdown). */
  close(): void;
}

/** Re-checks at this pace too, in case the LISTEN connection is down and a notification is missed. */
const SAFETY_POLL_MS = 100;

export function createCustomerLookup(options: {
  db: Kysely<Database>;
  replica: Pick<ReplicaSync, 'onReplicaChanged'>;
  timeoutMs: number;
}): CustomerLookup {
  const { db, timeoutMs } = options;
  const waiting = new Map<string, Set<(row: ReplicaCustomerRow | undefined) => void>>();
  let checking = false;
  let checkAgain = false;
  let poll: NodeJS.Timeout | undefined;

  function settle(id: string, row: ReplicaCustomerRow | undefined) {
    const waiters = waiting.get(id);
    if (!waiters) return;
    waiting.delete(id);
    for (const resolve of waiters) resolve(row);
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
        const rows = await findReplicaCustomers(db, [...waiting.keys()]).catch(() => []);
        for (const row of rows) settle(row.id, row);
      } while (checkAgain && waiting.size > 0);
    } finally {
      checking = false;
    }
  }

  options.replica.onReplicaChanged(() => void check());

  return {
    async find(id) {
      const row = await findReplicaCustomer(db, id);
      if (row || timeoutMs <= 0) return row;
      return new Promise<ReplicaCustomerRow | undefined>((resolve) => {
        const timer = setTimeout(() => {
          const waiters = waiting.get(id);
          waiters?.delete(done);
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
    close() {
      for (const id of [...waiting.keys()]) settle(id, undefined);
    },
  };
}
