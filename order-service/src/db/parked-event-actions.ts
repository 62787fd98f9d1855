import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { APPLIED_CHANNEL } from './channels.js';
import { storable } from './parked-events.js';
import type { Database, ParkedEventAction, ParkedEventActionResult, ParkedEventResolution, ParkedEventsTable } from './schema.js';

export type ParkedEventRow = Selectable<ParkedEventsTable>;

/** Which active parked events a bulk action takes, in offset order. */
export interface ParkedEventSelection {
  reason?: string;
  /** Only offsets after this one (keyset, like the listing). */
  after?: bigint;
  limit: number;
}

/**
 * The parked event at `offset`, locked until the transaction ends, if it is still active: two
 * operators acting on the same event at once take turns, and the second finds it resolved.
 */
export async function lockActiveParkedEvent(trx: Transaction<Database>, offset: bigint, stream?: string): Promise<ParkedEventRow | undefined> {
  let query = trx.selectFrom('parked_events').selectAll().where('stream_offset', '=', offset.toString()).where('resolved_at', 'is', null);
  // The partitions of a super stream each count their offsets: `stream` says whose (else the first).
  if (stream !== undefined) query = query.where('stream', '=', stream);
  return query.orderBy('stream').forUpdate().executeTakeFirst();
}

/** The parked event at `offset` (of `stream`, when given), active or resolved. */
export async function findParkedEvent(db: Kysely<Database>, offset: bigint, stream?: string): Promise<ParkedEventRow | undefined> {
  let query = db.selectFrom('parked_events').selectAll().where('stream_offset', '=', offset.toString());
  if (stream !== undefined) query = query.where('stream', '=', stream);
  return query.orderBy('stream').executeTakeFirst();
}

/** Takes a (locked) parked event off the active list. */
export async function resolveParkedEvent(trx: Transaction<Database>, id: string, resolution: ParkedEventResolution, operator: string): Promise<void> {
  await trx
    .updateTable('parked_events')
    .set({ resolution, resolved_at: sql<Date>`now()`, resolved_by: storable(operator) })
    .where('id', '=', id)
    .execute();
}

export interface ActionRecord {
  parkedId: string;
  offset: bigint;
  action: ParkedEventAction;
  result: ParkedEventActionResult;
  operator: string;
  reason?: string;
  detail?: string;
}

/** The audit row of one action; returns when it was recorded. */
export async function recordAction(trx: Transaction<Database>, record: ActionRecord): Promise<Date> {
  const row = await trx
    .insertInto('parked_event_actions')
    .values({
      parked_id: record.parkedId,
      stream_offset: record.offset.toString(),
      action: record.action,
      result: record.result,
      operator: storable(record.operator),
      reason: record.reason === undefined ? null : storable(record.reason.slice(0, 200)),
      detail: record.detail === undefined ? null : storable(record.detail.slice(0, 1000)),
    })
    .returning('acted_at')
    .executeTakeFirstOrThrow();
  return row.acted_at;
}

/**
 * Wakes what waits for the replica (read-your-writes, at commit) without a payload: the stored
 * offset did not move, so standbys must not take an offset from it.
 */
export async function notifyReplicaChanged(trx: Transaction<Database>): Promise<void> {
  await sql`SELECT pg_notify(${APPLIED_CHANNEL}, '')`.execute(trx);
}

/** Offsets of active parked events, in order. */
export async function activeParkedOffsets(db: Kysely<Database>, selection: ParkedEventSelection): Promise<bigint[]> {
  let query = db
    .selectFrom('parked_events')
    .select('stream_offset')
    .where('resolved_at', 'is', null)
    .orderBy('stream_offset')
    .limit(selection.limit);
  if (selection.reason !== undefined) query = query.where('reason', '=', selection.reason);
  if (selection.after !== undefined) query = query.where('stream_offset', '>', selection.after.toString());
  return (await query.execute()).map((row) => BigInt(row.stream_offset));
}

/** Whether active parked events of the selection remain after `offset`. */
export async function activeParkedAfter(db: Kysely<Database>, selection: Omit<ParkedEventSelection, 'limit' | 'after'>, offset: bigint): Promise<boolean> {
  return (await activeParkedOffsets(db, { ...selection, after: offset, limit: 1 })).length > 0;
}

/** The actions recorded on these parked events, oldest first. */
export async function actionsOf(db: Kysely<Database>, parkedIds: readonly string[]) {
  if (parkedIds.length === 0) return [];
  return db
    .selectFrom('parked_event_actions')
    .selectAll()
    .where('parked_id', 'in', [...parkedIds])
    .orderBy('parked_id')
    .orderBy('id')
    .execute();
}
