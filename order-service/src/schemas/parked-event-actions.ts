import Type, { type Static } from 'typebox';
import { Offset } from './common.js';

export const ParkedEventParams = Type.Object({ offset: Offset });
export type ParkedEventParams = Static<typeof ParkedEventParams>;

/** Who acts: recorded with every action ('unknown' without the header). */
export const OperatorHeaders = Type.Object({
  'x-operator': Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'the operator acting, recorded for audit' })),
});
export type OperatorHeaders = Static<typeof OperatorHeaders>;

export const BulkActionQuery = Type.Object(
  {
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'only parked events of this reason, e.g. apply_failed' })),
    after: Type.Optional(Offset),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'most events acted on in this request' }),
  },
  { additionalProperties: false },
);
export type BulkActionQuery = Static<typeof BulkActionQuery>;

export const ActionResult = Type.Union([Type.Literal('applied'), Type.Literal('superseded'), Type.Literal('failed'), Type.Literal('discarded')], {
  description:
    'applied: the replica changed; superseded: the replica already held this version or a newer one, nothing changed; ' +
    'failed: it still cannot be applied and stays parked (reason, detail say why); discarded: taken off the active list',
});

/** One action on one parked event, as recorded. */
export const ParkedEventActionOutcome = Type.Object({
  stream_offset: Offset,
  action: Type.Union([Type.Literal('retry'), Type.Literal('discard')]),
  result: ActionResult,
  operator: Type.String(),
  reason: Type.Union([Type.String(), Type.Null()], { description: 'for a failed retry: why it still cannot be applied' }),
  detail: Type.Union([Type.String(), Type.Null()]),
  acted_at: Type.String({ format: 'date-time' }),
});
export type ParkedEventActionOutcome = Static<typeof ParkedEventActionOutcome>;

export const BulkActionOutcome = Type.Object({
  items: Type.Array(ParkedEventActionOutcome),
  counts: Type.Object({
    applied: Type.Integer(),
    superseded: Type.Integer(),
    failed: Type.Integer(),
    discarded: Type.Integer(),
    skipped: Type.Integer({ description: 'resolved by someone else meanwhile' }),
  }),
  next: Type.Union([Offset, Type.Null()], {
    description: 'more active parked events follow: pass as `after` to go on (events whose retry failed stay active); null when none',
  }),
});
export type BulkActionOutcome = Static<typeof BulkActionOutcome>;

/** On a super stream, which partition's event (the partitions each count their offsets). */
export const ParkedEventStreamQuery = Type.Object(
  { stream: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: 'the partition, on a super stream' })) },
  { additionalProperties: false },
);
