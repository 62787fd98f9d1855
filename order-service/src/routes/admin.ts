import type { HttpServer } from '@demo/service-kit';
import { ParkedEventPage, ParkedEventsQuery } from '../schemas/parked-events.js';
import type { ParkedEventService } from '../services/parked-events.js';

export async function adminRoutes(app: HttpServer, options: { parkedEvents: ParkedEventService }) {
  app.get(
    '/admin/parked-events',
    {
      // The bodies of parked events may hold customers' personal data: an operator's only.
      config: { auth: 'operator' },
      schema: {
        tags: ['admin'],
        summary: 'Poison events of the stream, kept aside by the applier (keyset pagination by offset)',
        querystring: ParkedEventsQuery,
        response: { 200: ParkedEventPage, 400: { $ref: 'ErrorBody' }, 503: { $ref: 'ErrorBody' } },
      },
    },
    async (request) => options.parkedEvents.page(request.query),
  );
}
