import { isUtf8 } from 'node:buffer';
import type { HttpServer } from '@demo/service-kit';
import type { RouteContext } from '../context.js';
import { listParkedEvents } from '../db/parked-events.js';
import { ParkedEventPage, ParkedEventsQuery } from '../schemas/parked-events.js';

export async function adminRoutes(app: HttpServer, { context }: { context: RouteContext }) {
  app.get(
    '/admin/parked-events',
    {
      schema: {
        tags: ['admin'],
        summary: 'Poison events of the stream, kept aside by the applier (keyset pagination by offset)',
        querystring: ParkedEventsQuery,
        response: { 200: ParkedEventPage, 400: { $ref: 'ErrorBody' }, 503: { $ref: 'ErrorBody' } },
      },
    },
    async (request) => {
      const { limit, after } = request.query;
      const page = await listParkedEvents(context.db, { limit, after: after === undefined ? undefined : BigInt(after) });
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
            body_encoding: utf8 ? ('utf8' as const) : ('base64' as const),
            body_bytes: row.body_bytes,
            body_truncated: row.raw_body.length < row.body_bytes,
            annotations: row.annotations,
            parked_at: row.parked_at.toISOString(),
          };
        }),
        next: page.next ?? null,
      };
    },
  );
}
