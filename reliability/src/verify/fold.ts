/**
 * The pure heart of the verification: fold the stream's events into per-customer state and
 * compare that, the source of truth (customer_db) and the replica (order_db) with each other.
 */
import type { CustomerEventType } from '@demo/contract';

/** A customer's state as both databases keep it. */
export interface CustomerState {
  id: string;
  address: string;
  version: number;
  deleted: boolean;
}

/** One customer event read back from the stream (already decoded). */
export interface StreamEvent {
  offset: bigint;
  eventId: string;
  type: CustomerEventType;
  customerId: string;
  version: number;
  /** Present on created and address-updated events. */
  address?: string;
}

/** What the workload was told: the highest version it saw acknowledged per customer. */
export interface Acknowledged {
  id: string;
  version: number;
  deleted: boolean;
}

export interface Problem {
  kind:
    | 'missing_in_customer_db'
    | 'acknowledged_change_lost'
    | 'missing_event'
    | 'duplicate_event'
    | 'duplicate_event_id'
    | 'phantom_event'
    | 'stream_fold_differs'
    | 'missing_in_replica'
    | 'replica_behind'
    | 'replica_ahead'
    | 'replica_differs';
  customerId: string;
  detail: string;
}

export interface Verification {
  customers: number;
  /** Events on the stream for these customers (every copy counted). */
  eventsPublished: number;
  /** Changes the replica holds: the sum of its versions (a version is applied in order, once). */
  eventsApplied: number;
  /** Changes that should exist and do not (in customer_db, on the stream or in the replica). */
  lost: number;
  /** Changes present more than once on the stream (same customer and version, or same event id). */
  duplicated: number;
  /** States that disagree without a change being lost or duplicated (e.g. a different address). */
  mismatched: number;
  /** Versions whose events retention removed before the stream was read (historyCut only). */
  retainedOut: number;
  problems: Problem[];
}

/** Folds events by version: a lower or repeated version changes nothing; deletion is kept. */
export function foldEvents(events: Iterable<StreamEvent>): Map<string, CustomerState> {
  const state = new Map<string, CustomerState>();
  for (const event of events) {
    const current = state.get(event.customerId);
    if (current && event.version <= current.version) continue;
    state.set(event.customerId, {
      id: event.customerId,
      address: event.address ?? current?.address ?? '',
      version: event.version,
      deleted: event.type === 'customer.deleted' ? true : (current?.deleted ?? false),
    });
  }
  return state;
}

export interface VerifyInput {
  /** Customers the run touched (created, updated or deleted). */
  customerIds: Iterable<string>;
  acknowledged: Map<string, Acknowledged>;
  /** customer_db rows of these customers (soft-deleted ones included). */
  source: Map<string, CustomerState>;
  /** order_db replica rows of these customers. */
  replica: Map<string, CustomerState>;
  /** Every event read from the stream since the run began (other customers' events are ignored). */
  events: StreamEvent[];
  /**
   * Retention removed the start of the run from the stream (its first retained offset is past where the run
   * began): a customer's first versions may be gone with it. Its versions must then be a gapless run up to
   * customer_db's, the missing ones before it counted as retained out, not lost; the replica is checked whole.
   * On a super stream, a function that says whether the customer's partition was cut.
   */
  historyCut?: boolean | ((customerId: string) => boolean);
}

const MAX_PROBLEMS_KEPT = 50;

export function verify(input: VerifyInput): Verification {
  const ids = new Set(input.customerIds);
  const problems: Problem[] = [];
  let lost = 0;
  let duplicated = 0;
  let mismatched = 0;
  let retainedOut = 0;
  const note = (kind: Problem['kind'], customerId: string, detail: string) => {
    if (problems.length < MAX_PROBLEMS_KEPT) problems.push({ kind, customerId, detail });
  };

  const ours = input.events.filter((event) => ids.has(event.customerId));
  const seenEventIds = new Set<string>();
  for (const event of ours) {
    if (seenEventIds.has(event.eventId)) {
      duplicated++;
      note('duplicate_event_id', event.customerId, `event_id ${event.eventId} at offset ${event.offset}`);
    }
    seenEventIds.add(event.eventId);
  }
  const versionsOf = new Map<string, Map<number, number>>();
  for (const event of ours) {
    let versions = versionsOf.get(event.customerId);
    if (!versions) versionsOf.set(event.customerId, (versions = new Map()));
    versions.set(event.version, (versions.get(event.version) ?? 0) + 1);
  }
  const folded = foldEvents(ours);

  let eventsApplied = 0;
  for (const id of ids) {
    const source = input.source.get(id);
    const acked = input.acknowledged.get(id);
    const replica = input.replica.get(id);
    const versions = versionsOf.get(id) ?? new Map<number, number>();
    if (replica) eventsApplied += replica.version;

    if (!source) {
      lost += Math.max(1, acked?.version ?? 1);
      note('missing_in_customer_db', id, 'acknowledged customer is not in customer_db');
      continue;
    }
    if (acked && (acked.version > source.version || (acked.deleted && !source.deleted))) {
      lost += Math.max(1, acked.version - source.version);
      note('acknowledged_change_lost', id, `acknowledged v${acked.version}${acked.deleted ? ' (deleted)' : ''}, customer_db has v${source.version}`);
    }

    // The stream: every version 1..current exactly once, nothing beyond; after a cut, from its first retained one.
    let complete = true;
    const cut = typeof input.historyCut === 'function' ? input.historyCut(id) : input.historyCut === true;
    const firstRetained = cut ? Math.min(source.version + 1, ...versions.keys()) : 1;
    for (let version = 1; version <= source.version; version++) {
      const copies = versions.get(version) ?? 0;
      if (version < firstRetained) {
        retainedOut++;
        complete = false;
      } else if (copies === 0) {
        complete = false;
        lost++;
        note('missing_event', id, `no event for v${version} (customer_db at v${source.version})`);
      } else if (copies > 1) {
        duplicated += copies - 1;
        note('duplicate_event', id, `v${version} appears ${copies} times`);
      }
    }
    for (const [version, copies] of versions) {
      if (version > source.version) {
        mismatched += copies;
        note('phantom_event', id, `event v${version} but customer_db is at v${source.version}`);
      }
    }
    const fold = folded.get(id);
    if (complete && fold && fold.version === source.version && !sameState(fold, source)) {
      mismatched++;
      note('stream_fold_differs', id, `stream fold ${show(fold)} vs customer_db ${show(source)}`);
    }

    // The replica: exactly customer_db.
    if (!replica) {
      lost += source.version;
      note('missing_in_replica', id, `customer_db ${show(source)}`);
    } else if (replica.version < source.version) {
      lost += source.version - replica.version;
      note('replica_behind', id, `replica ${show(replica)} vs customer_db ${show(source)}`);
    } else if (replica.version > source.version) {
      mismatched++;
      note('replica_ahead', id, `replica ${show(replica)} vs customer_db ${show(source)}`);
    } else if (!sameState(replica, source)) {
      mismatched++;
      note('replica_differs', id, `replica ${show(replica)} vs customer_db ${show(source)}`);
    }
  }
  return { customers: ids.size, eventsPublished: ours.length, eventsApplied, lost, duplicated, mismatched, retainedOut, problems };
}

function sameState(a: CustomerState, b: CustomerState): boolean {
  return a.version === b.version && a.deleted === b.deleted && a.address === b.address;
}

function show(state: CustomerState): string {
  return `v${state.version} ${JSON.stringify(state.address)}${state.deleted ? ' deleted' : ''}`;
}
