import type { Kysely, Selectable, SelectQueryBuilder, Transaction } from 'kysely';
import type { Database, ParkedEventsTable } from './schema.js';

/** Bodies are kept up to this size: enough to diagnose, bounded for a huge one. */
export const PARKED_BODY_LIMIT = 64 * 1024;

export interface ParkedEvent {
  offset: bigint;
  eventId: string | undefined;
  eventType: string | undefined;
  reason: string;
  detail: string;
  body: Buffer;
  annotations: Record<string, unknown>;
}

/**
 * PostgreSQL text and jsonb cannot hold NUL: a poison event's id, type or parse error may carry
 * one, and a parking insert that fails would stall the applier on that batch for ever.
 */
export function storable(text: string): string {
  return text.replaceAll('\u0000', '\uFFFD');
}

/** Parks in the applier's transaction; parking the same offset again (a replay) does nothing. */
export async function insertParkedEvents(trx: Transaction<Database>, stream: string, events: readonly ParkedEvent[]): Promise<void> {
  if (events.length === 0) return;
  await trx
    .insertInto('parked_events')
    .values(
      events.map((event) => ({
        stream,
        stream_offset: event.offset.toString(),
        event_id: event.eventId === undefined ? null : storable(event.eventId.slice(0, 200)),
        event_type: event.eventType === undefined ? null : storable(event.eventType.slice(0, 200)),
        reason: storable(event.reason),
        detail: storable(event.detail.slice(0, 1000)),
        raw_body: event.body.subarray(0, PARKED_BODY_LIMIT),
        body_bytes: event.body.length,
        annotations: JSON.stringify(event.annotations, (_key, value: unknown) =>
          typeof value === 'bigint'
            ? value.toString()
            : Buffer.isBuffer(value)
              ? value.toString('base64')
              : typeof value === 'string'
                ? storable(value)
                : value,
        ),
      })),
    )
    .onConflict((oc) => oc.columns(['stream', 'stream_offset']).doNothing())
    .execute();
}

/**
 * A page by offset: the active parked events, or all of them with `includeResolved`; `reason`
 * narrows it. The partitions of a super stream share offsets: a page never ends inside a run of
 * one offset (it takes that offset's events of every partition), so `next` skips none of them.
 */
export async function listParkedEvents(
  db: Kysely<Database>,
  options: { limit: number; after?: bigint; includeResolved?: boolean; reason?: string },
) {
  const filtered = (where: (query: ParkedQuery) => ParkedQuery) => {
    let query = where(db.selectFrom('parked_events').selectAll());
    if (!options.includeResolved) query = query.where('resolved_at', 'is', null);
    if (options.reason !== undefined) query = query.where('reason', '=', options.reason);
    return query.orderBy('stream_offset').orderBy('stream');
  };
  const after = options.after;
  const rows = await filtered((query) => (after === undefined ? query : query.where('stream_offset', '>', after.toString())))
    .limit(options.limit + 1)
    .execute();
  if (rows.length <= options.limit) return { items: rows, next: undefined };
  const page = rows.slice(0, options.limit);
  const last = page.at(-1)!;
  if (rows[options.limit]!.stream_offset === last.stream_offset) {
    // The rest of the last offset's events (one per partition at most).
    page.push(...(await filtered((query) => query.where('stream_offset', '=', last.stream_offset).where('stream', '>', last.stream)).execute()));
  }
  return { items: page, next: last.stream_offset };
}

type ParkedQuery = SelectQueryBuilder<Database, 'parked_events', Selectable<ParkedEventsTable>>;
