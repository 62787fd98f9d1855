import { errorMessage } from '@demo/async';
import { conflict, isDatabaseUnavailable, notFound } from '@demo/service-kit';
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { prepareBatch } from '../consumer/prepare-batch.js';
import { upsertReplica } from '../db/apply-batch.js';
import {
  activeParkedAfter,
  activeParkedOffsets,
  findParkedEvent,
  lockActiveParkedEvent,
  notifyReplicaChanged,
  recordAction,
  resolveParkedEvent,
  type ParkedEventRow,
  type ParkedEventSelection,
} from '../db/parked-event-actions.js';
import type { Database, ParkedEventActionsTable } from '../db/schema.js';
import type { BulkActionOutcome, ParkedEventActionOutcome } from '../schemas/parked-event-actions.js';

/** What re-applying a parked event came to. */
type Reapplied = { result: 'applied' | 'superseded' } | { result: 'failed'; reason: string; detail: string };

/** Errors a retry must not record as "the event cannot be applied": they say nothing about the event. */
const TRANSIENT = new Set(['40001', '40P01', '55P03', '57014']);

/**
 * An operator's actions on parked events. A retry re-applies the parked copy the way the applier
 * would (decode → fold → the replica upsert with its version guard) without moving the stream
 * offset: an event older than the replica's version changes nothing (superseded); one that still
 * cannot be applied stays parked, with the new failure recorded. A discard takes it off the active
 * list. Every action is recorded (parked_event_actions) with the operator and its result, and each
 * event is acted on under its row lock, so that two operators acting on it at once apply it once.
 */
export function createParkedEventActions(db: Kysely<Database>) {
  /** Undefined when no active parked event is at `offset` (none, or already resolved). */
  async function retryOne(offset: bigint, operator: string, stream?: string): Promise<ParkedEventActionOutcome | undefined> {
    return db.transaction().execute(async (trx) => {
      const row = await lockActiveParkedEvent(trx, offset, stream);
      if (!row) return undefined;
      const reapplied = await reapply(trx, row);
      if (reapplied.result !== 'failed') await resolveParkedEvent(trx, row.id, 'retried', operator);
      if (reapplied.result === 'applied') await notifyReplicaChanged(trx);
      const failure = reapplied.result === 'failed' ? { reason: reapplied.reason, detail: reapplied.detail } : {};
      const actedAt = await recordAction(trx, { parkedId: row.id, offset, action: 'retry', result: reapplied.result, operator, ...failure });
      return outcome(offset, 'retry', reapplied.result, operator, actedAt, failure);
    });
  }

  async function discardOne(offset: bigint, operator: string, stream?: string): Promise<ParkedEventActionOutcome | undefined> {
    return db.transaction().execute(async (trx) => {
      const row = await lockActiveParkedEvent(trx, offset, stream);
      if (!row) return undefined;
      await resolveParkedEvent(trx, row.id, 'discarded', operator);
      const actedAt = await recordAction(trx, { parkedId: row.id, offset, action: 'discard', result: 'discarded', operator });
      return outcome(offset, 'discard', 'discarded', operator, actedAt);
    });
  }

  /** 404 when nothing was parked there, 409 when an operator already resolved it. */
  async function missing(offset: bigint, stream?: string): Promise<Error> {
    const row = await findParkedEvent(db, offset, stream);
    if (!row?.resolution) return notFound(`no parked event at offset ${offset}`);
    return conflict(
      'already_resolved',
      `the parked event at offset ${offset} was already ${row.resolution} by ${row.resolved_by} at ${row.resolved_at?.toISOString()}`,
    );
  }

  /** `next`: the last offset acted on when more active events of the selection follow it. */
  async function nextAfter(selection: ParkedEventSelection, last: bigint | undefined): Promise<string | null> {
    if (last === undefined) return null;
    return (await activeParkedAfter(db, selection, last)) ? last.toString() : null;
  }

  /** Acts on each selected active event; those resolved by someone else meanwhile are skipped. */
  async function forEach(
    selection: ParkedEventSelection,
    act: (offset: bigint) => Promise<ParkedEventActionOutcome | undefined>,
  ): Promise<BulkActionOutcome> {
    const offsets = await activeParkedOffsets(db, selection);
    const items: ParkedEventActionOutcome[] = [];
    for (const offset of offsets) {
      const done = await act(offset);
      if (done) items.push(done);
    }
    return { items, counts: countsOf(items, offsets.length), next: await nextAfter(selection, offsets.at(-1)) };
  }

  return {
    async retry(offset: bigint, operator: string, stream?: string): Promise<ParkedEventActionOutcome> {
      const done = await retryOne(offset, operator, stream);
      if (!done) throw await missing(offset, stream);
      return done;
    },

    async discard(offset: bigint, operator: string, stream?: string): Promise<ParkedEventActionOutcome> {
      const done = await discardOne(offset, operator, stream);
      if (!done) throw await missing(offset, stream);
      return done;
    },

    /** Retries the selected active events one by one, in offset order, each under its own lock. */
    retryAll: (selection: ParkedEventSelection, operator: string) => forEach(selection, (offset) => retryOne(offset, operator)),

    /** Discards the selected active events one by one, in offset order, each under its own lock. */
    discardAll: (selection: ParkedEventSelection, operator: string) => forEach(selection, (offset) => discardOne(offset, operator)),
  };
}

export type ParkedEventActions = ReturnType<typeof createParkedEventActions>;

/**
 * The applier's path for one message, on the parked copy: decode and fold (prepareBatch), then the
 * replica upsert with its version guard, under a savepoint so that a refusal leaves the
 * transaction usable for recording it.
 */
async function reapply(trx: Transaction<Database>, row: ParkedEventRow): Promise<Reapplied> {
  if (row.raw_body.length < row.body_bytes) {
    return {
      result: 'failed',
      reason: 'body_truncated',
      detail: `only the first ${row.raw_body.length} of its ${row.body_bytes} bytes were kept: it cannot be applied from the parked copy`,
    };
  }
  const prepared = prepareBatch([{ offset: BigInt(row.stream_offset), body: row.raw_body, annotations: row.annotations }]);
  const undecodable = prepared.parked[0];
  if (undecodable) return { result: 'failed', reason: undecodable.reason, detail: undecodable.detail };
  await sql`SAVEPOINT reapply`.execute(trx);
  try {
    const changed = await upsertReplica(trx, prepared.rows);
    await sql`RELEASE SAVEPOINT reapply`.execute(trx);
    return { result: changed > 0 ? 'applied' : 'superseded' };
  } catch (error) {
    if (isDatabaseUnavailable(error) || TRANSIENT.has((error as { code?: string }).code ?? '')) throw error;
    await sql`ROLLBACK TO SAVEPOINT reapply`.execute(trx);
    return { result: 'failed', reason: 'apply_failed', detail: `the database refused it: ${errorMessage(error)}` };
  }
}

function outcome(
  offset: bigint,
  action: ParkedEventActionOutcome['action'],
  result: ParkedEventActionOutcome['result'],
  operator: string,
  actedAt: Date,
  failure: { reason?: string; detail?: string } = {},
): ParkedEventActionOutcome {
  return {
    stream_offset: offset.toString(),
    action,
    result,
    operator,
    reason: failure.reason ?? null,
    detail: failure.detail ?? null,
    acted_at: actedAt.toISOString(),
  };
}

/** An audit row as the API shows it. */
export function actionOutcomeOf(row: Selectable<ParkedEventActionsTable>): ParkedEventActionOutcome {
  return {
    stream_offset: row.stream_offset,
    action: row.action,
    result: row.result,
    operator: row.operator,
    reason: row.reason,
    detail: row.detail,
    acted_at: row.acted_at.toISOString(),
  };
}

function countsOf(items: readonly ParkedEventActionOutcome[], targeted: number): BulkActionOutcome['counts'] {
  const count = (result: ParkedEventActionOutcome['result']) => items.filter((item) => item.result === result).length;
  return {
    applied: count('applied'),
    superseded: count('superseded'),
    failed: count('failed'),
    discarded: count('discarded'),
    skipped: targeted - items.length,
  };
}
