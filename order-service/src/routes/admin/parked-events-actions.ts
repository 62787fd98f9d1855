import type { HttpServer } from '@demo/service-kit';
import {
  BulkActionOutcome,
  BulkActionQuery,
  OperatorHeaders,
  ParkedEventActionOutcome,
  ParkedEventParams,
  ParkedEventStreamQuery,
} from '../../schemas/parked-event-actions.js';
import type { ParkedEventActions } from '../../services/parked-event-actions.js';
import { operatorOf } from './operator.js';

const errors = { 400: { $ref: 'ErrorBody' }, 503: { $ref: 'ErrorBody' } } as const;
const oneErrors = { ...errors, 404: { $ref: 'ErrorBody' }, 409: { $ref: 'ErrorBody' } } as const;

/**
 * An operator's actions on parked events: retry (re-apply through the applier's decode, fold and
 * versioned upsert; the stream offset does not move) or discard, one event or all active ones.
 * Each action is recorded with the operator (X-Operator) and shows in GET /admin/parked-events.
 */
export async function parkedEventActionRoutes(app: HttpServer, options: { actions: ParkedEventActions }) {
  const { actions } = options;

  app.post(
    '/admin/parked-events/:offset/retry',
    {
      schema: {
        tags: ['admin'],
        summary: 'Re-apply one parked event; it leaves the active list unless it still cannot be applied (result failed)',
        params: ParkedEventParams,
        querystring: ParkedEventStreamQuery,
        headers: OperatorHeaders,
        response: { 200: ParkedEventActionOutcome, ...oneErrors },
      },
    },
    async (request) => actions.retry(BigInt(request.params.offset), operatorOf(request), request.query.stream),
  );

  app.post(
    '/admin/parked-events/:offset/discard',
    {
      schema: {
        tags: ['admin'],
        summary: 'Take one parked event off the active list without applying it',
        params: ParkedEventParams,
        querystring: ParkedEventStreamQuery,
        headers: OperatorHeaders,
        response: { 200: ParkedEventActionOutcome, ...oneErrors },
      },
    },
    async (request) => actions.discard(BigInt(request.params.offset), operatorOf(request), request.query.stream),
  );

  app.post(
    '/admin/parked-events/retry-all',
    {
      schema: {
        tags: ['admin'],
        summary: 'Re-apply the active parked events (of a reason, after an offset), up to limit, in offset order',
        querystring: BulkActionQuery,
        headers: OperatorHeaders,
        response: { 200: BulkActionOutcome, ...errors },
      },
    },
    async (request) => actions.retryAll(selectionOf(request.query), operatorOf(request)),
  );

  app.post(
    '/admin/parked-events/discard-all',
    {
      schema: {
        tags: ['admin'],
        summary: 'Discard the active parked events (of a reason, after an offset), up to limit, in offset order',
        querystring: BulkActionQuery,
        headers: OperatorHeaders,
        response: { 200: BulkActionOutcome, ...errors },
      },
    },
    async (request) => actions.discardAll(selectionOf(request.query), operatorOf(request)),
  );
}

function selectionOf(query: BulkActionQuery) {
  return { reason: query.reason, after: query.after === undefined ? undefined : BigInt(query.after), limit: query.limit };
}
