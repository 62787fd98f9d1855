import Type, { type Static } from 'typebox';
import { Offset } from './common.js';
import { ParkedEventActionOutcome } from './parked-event-actions.js';

export const ParkedEventsQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
    after: Type.Optional(Offset),
    include: Type.Optional(Type.Literal('resolved', { description: 'also the events operators retried or discarded' })),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'only parked events of this reason' })),
  },
  { additionalProperties: false },
);
export type ParkedEventsQuery = Static<typeof ParkedEventsQuery>;

export const ParkedEvent = Type.Object({
  stream: Type.String({ description: 'the stream (a partition of the super stream) it was read from' }),
  stream_offset: Offset,
  event_id: Type.Union([Type.String(), Type.Null()]),
  event_type: Type.Union([Type.String(), Type.Null()]),
  reason: Type.String({ description: 'missing_metadata, unknown_type, unsupported_schema_version, unparseable_body, invalid_body, apply_failed (the database refused a valid event)' }),
  detail: Type.String(),
  body: Type.String({ description: 'the raw body (first 64 KiB), as UTF-8 text or base64 (see body_encoding)' }),
  body_encoding: Type.Union([Type.Literal('utf8'), Type.Literal('base64')]),
  body_bytes: Type.Integer({ description: 'size of the whole body' }),
  body_truncated: Type.Boolean(),
  annotations: Type.Record(Type.String(), Type.Unknown()),
  parked_at: Type.String({ format: 'date-time' }),
  status: Type.Union([Type.Literal('parked'), Type.Literal('retried'), Type.Literal('discarded')], {
    description: 'parked: active; retried (applied or superseded) and discarded: resolved by an operator',
  }),
  resolved_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  resolved_by: Type.Union([Type.String(), Type.Null()]),
  actions: Type.Array(ParkedEventActionOutcome, { description: 'what operators did with it, oldest first' }),
});

export const ParkedEventPage = Type.Object({
  items: Type.Array(ParkedEvent),
  next: Type.Union([Offset, Type.Null()], { description: 'pass as `after` for the next page; null on the last' }),
});
export type ParkedEventPage = Static<typeof ParkedEventPage>;
