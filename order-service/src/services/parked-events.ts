import { isUtf8 } from 'node:buffer';
import type { Kysely } from 'kysely';
import { listParkedEvents } from '../db/parked-events.js';
import type { Database } from '../db/schema.js';
import type { ParkedEventPage, ParkedEventsQuery } from '../schemas/parked-events.js';

/** The poison events the applier kept aside, for an operator. */
export function createParkedEventService(db: Kysely<Database>) {
  return {
    /** A page by offset; bodies as UTF-8 text when they are, else base64. */
    async page({ limit, after }: ParkedEventsQuery): Promise<ParkedEventPage> {
      const page = await listParkedEvents(db, { limit, after: after === undefined ? undefined : BigInt(after) });
      return {
        items: page.items.map((row) => {
          const utf8 = isUtf8(row.raw_body);
          return {
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
          };
        }),
        next: page.next ?? null,
      };
    },
  };
}

export type ParkedEventService = ReturnType<typeof createParkedEventService>;
