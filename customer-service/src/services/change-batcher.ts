import type { CustomerRepository, SavedChange } from '../db/customers.js';
import { createGroupCommit, type GroupCommitObserver } from '@demo/service-kit';
import { decide, type ChangeAddress, type Customer, type DeleteCustomer } from '../domain/customer.js';
import { toOutboxEntry, type OutboxEntry } from '../outbox/encode.js';

/** What a change came to: the state it wrote and its event, or no live customer to change. */
export type ChangeOutcome = { kind: 'changed'; state: Customer; entry: OutboxEntry } | { kind: 'not_found' };

interface PendingChange {
  id: string;
  command: ChangeAddress | DeleteCustomer;
  correlationId: string;
  resolve(outcome: ChangeOutcome): void;
  reject(error: unknown): void;
}

export interface ChangeBatcherOptions {
  /** Most changes one batch carries. */
  maxBatch?: number;
  /** Batches in flight at once (each reads, then writes). */
  maxInFlight?: number;
  /** Told of every batch (the group_commit_* histograms). */
  observe?: GroupCommitObserver;
}

/**
 * Group commit for changes (updates and deletes), as creates have it. Per batch: ONE read of the
 * customers' current state, the domain's decision for each change on it (decide: the one place
 * that sets version and event type), then ONE statement that writes every decision and its outbox
 * row where the customer is still at the version it was decided on (customers.saveChanges).
 * - One change per customer at a time (the group commit's key): the next change of a customer is
 *   decided on the state the previous one committed, so a customer's versions follow the order
 *   its requests came in, and its events the order of its versions.
 * - A change that lost to a change made elsewhere (another instance) goes back to the head of the
 *   queue and is decided again on the newer state; no live customer: not_found (404).
 * - A failed read or write fails the changes it carried; nothing of them was written.
 */
export function createChangeBatcher(customers: Pick<CustomerRepository, 'findLive' | 'saveChanges'>, options: ChangeBatcherOptions = {}) {
  const queue = createGroupCommit<PendingChange>({
    maxBatch: options.maxBatch ?? 256,
    maxInFlight: options.maxInFlight ?? 2,
    keyOf: (change) => change.id,
    run,
    observe: options.observe,
  });

  async function run(batch: PendingChange[], again: (changes: PendingChange[]) => void) {
    let current: Map<string, Customer>;
    try {
      current = new Map((await customers.findLive(batch.map((change) => change.id))).map((customer) => [customer.id, customer]));
    } catch (error) {
      for (const change of batch) change.reject(error);
      return;
    }
    const decided: Array<{ change: PendingChange; saved: SavedChange }> = [];
    for (const change of batch) {
      const state = current.get(change.id);
      const decision = decide(change.command, state);
      // (a decision always has a current customer: the second test only tells the compiler)
      if (decision.kind === 'not_found' || state === undefined) {
        change.resolve({ kind: 'not_found' });
        continue;
      }
      const entry = toOutboxEntry(decision.event, change.correlationId);
      decided.push({ change, saved: { state: decision.state, expectedVersion: state.version, entry } });
    }
    let saved: Set<string>;
    try {
      saved = await customers.saveChanges(decided.map(({ saved }) => saved));
    } catch (error) {
      for (const { change } of decided) change.reject(error);
      return;
    }
    const lost: PendingChange[] = [];
    for (const { change, saved: { state, entry } } of decided) {
      if (saved.has(change.id)) change.resolve({ kind: 'changed', state, entry });
      else lost.push(change);
    }
    again(lost);
  }

  return {
    /** Decides `command` on the customer's state when its batch runs, and writes it. */
    change(id: string, command: ChangeAddress | DeleteCustomer, correlationId: string): Promise<ChangeOutcome> {
      return new Promise<ChangeOutcome>((resolve, reject) => queue.push({ id, command, correlationId, resolve, reject }));
    },
  };
}

export type ChangeBatcher = ReturnType<typeof createChangeBatcher>;
