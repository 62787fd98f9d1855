/**
 * Group commit: requests that arrive while earlier statements are in flight share the next
 * statement, so that one transaction and one commit serve many of them. PostgreSQL commits bound
 * every write path, and a statement per request also costs a round trip, a wake-up of a backend
 * and a WAL flush each.
 *
 * Items with the same key (a customer id, an Idempotency-Key) are never in one batch together nor
 * in two batches in flight at once: the next waits until the one before it is done, in the order
 * they came (what a change decided on the state the previous one left needs). Items without a key
 * never wait for each other.
 */
export interface GroupCommitOptions<T> {
  /** Most items one statement carries. */
  maxBatch: number;
  /** Statements in flight at once; items arriving meanwhile wait and share the next one. */
  maxInFlight: number;
  keyOf(item: T): string | undefined;
  /**
   * Writes a batch and settles each of its items (resolve or reject what the caller waits for).
   * It must not throw; items it hands to `again` go back to the head of the queue once it is done.
   */
  run(batch: T[], again: (items: T[]) => void): Promise<void>;
  /** Told of every statement once it is done (groupCommitMetrics makes one that feeds histograms). */
  observe?: GroupCommitObserver;
}

export type GroupCommitObserver = (statement: StatementObservation) => void;

/** One statement of a group commit: how many items it carried and where their time went. */
export interface StatementObservation {
  size: number;
  /** How long the batch's first item waited in line before the statement started. */
  waitedSeconds: number;
  /** From the statement's start until `run` settled its items (round trip, execution, commit). */
  runSeconds: number;
}

export interface GroupCommit<T> {
  push(item: T): void;
  /** Items waiting, not in flight. */
  readonly waiting: number;
}

export function createGroupCommit<T>(options: GroupCommitOptions<T>): GroupCommit<T> {
  /** Waiting items with the time each joined the line (a requeued item keeps its first time). */
  let queue: Array<{ item: T; since: number }> = [];
  let inFlight = 0;
  const busyKeys = new Set<string>();

  /** The next batch, in queue order, skipping items whose key is busy (they keep their place). */
  function takeBatch(): typeof queue {
    const batch: typeof queue = [];
    const rest: typeof queue = [];
    for (const entry of queue) {
      const key = batch.length < options.maxBatch ? options.keyOf(entry.item) : undefined;
      if (batch.length >= options.maxBatch || (key !== undefined && busyKeys.has(key))) {
        rest.push(entry);
        continue;
      }
      if (key !== undefined) busyKeys.add(key);
      batch.push(entry);
    }
    queue = rest;
    return batch;
  }

  function pump() {
    while (inFlight < options.maxInFlight && queue.length > 0) {
      const entries = takeBatch();
      if (entries.length === 0) return; // every waiting item's key is busy
      inFlight++;
      const batch = entries.map((entry) => entry.item);
      const requeued: typeof queue = [];
      const again = (items: T[]) => requeued.push(...entries.filter((entry) => items.includes(entry.item)));
      const started = performance.now();
      void options.run(batch, again).finally(() => {
        inFlight--;
        options.observe?.({ size: batch.length, waitedSeconds: (started - entries[0]!.since) / 1000, runSeconds: (performance.now() - started) / 1000 });
        for (const item of batch) {
          const key = options.keyOf(item);
          if (key !== undefined) busyKeys.delete(key);
        }
        if (requeued.length > 0) queue = [...requeued, ...queue];
        pump();
      });
    }
  }

  return {
    push(item) {
      queue.push({ item, since: performance.now() });
      pump();
    },
    get waiting() {
      return queue.length;
    },
  };
}
