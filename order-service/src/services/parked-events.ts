import { isUtf8 } from 'node:buffer';
import type { Kysely } from 'kysely';
import { actionsOf } from '../db/parked-event-actions.js';
import { listParkedEvents } from '../db/parked-events.js';
import type { Database } from '../db/schema.js';
import type { ParkedEventActionOutcome } from '../schemas/parked-event-actions.js';
import type { ParkedEventPage, ParkedEventsQuery } from '../schemas/parked-events.js';
import { actionOutcomeOf } from './parked-event-actions.js';

/** The poison events the applier kept aside, for an operator. */
export function createParkedEventService(db: Kysely<Database>) {
  return {
    /**
     * A page by offset: the active events, or with include=resolved also those operators retried
     * or discarded; each with what operators did with it. Bodies as UTF-8 text when they are, else base64.
     */
    async page({ limit, after, include, reason }: ParkedEventsQuery): Promise<ParkedEventPage> {
      const page = await listParkedEvents(db, {
        limit,
        after: after === undefined ? undefined : BigInt(after),
        includeResolved: include === 'resolved',
        reason,
      });
      const actions = new Map<string, ParkedEventActionOutcome[]>();
      for (const action of await actionsOf(db, page.items.map((row) => row.id))) {
        const list = actions.get(action.parked_id) ?? [];
        list.push(actionOutcomeOf(action));
        actions.set(action.parked_id, list);
      }
      return {
        items: page.items.map((row) => {
          const utf8 = isUtf8(row.raw_body);
          return {
            stream: row.stream,
            stream_offset: row.stream_offset,
            event_id: row.event_id,
            event_type: row.event_type,
            reason: row.reason,
            detail: row.detail,
            body: utf8 ? row.raw_body.toString('utf8') : row.raw_body.toString('base64'),
            body_encoding: utf8 ? 'utf8' : 'base64',
            body_bytes: row.body_bytes,
            body_truncated: row.raw_body.length < row.body_bytes,
            annotations: row.annotations,
            parked_at: row.parked_at.toISOString(),
            status: row.resolution ?? 'parked',
            resolved_at: row.resolved_at?.toISOString() ?? null,
            resolved_by: row.resolved_by,
            actions: actions.get(row.id) ?? [],
          };
        }),
        next: page.next ?? null,
      };
    },
  };
}

export type ParkedEventService = ReturnType<typeof createParkedEventService>;
