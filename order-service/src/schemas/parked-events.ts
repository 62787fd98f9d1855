import Type, { type Static } from 'typebox';
import { Offset } from './common.js';

export const ParkedEventsQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
    after: Type.Optional(Offset),
  },
  { additionalProperties: false },
);
export type ParkedEventsQuery = Static<typeof ParkedEventsQuery>;

export const ParkedEvent = Type.Object({
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
});

export const ParkedEventPage = Type.Object({
  items: Type.Array(ParkedEvent),
  next: Type.Union([Offset, Type.Null()], { description: 'pass as `after` for the next page; null on the last' }),
});
export type ParkedEventPage = Static<typeof ParkedEventPage>;
