import Type from 'typebox';
import { Offset } from './common.js';

/** What /health and /ready tell besides their checks: this instance's part in consuming the stream. */
export const ConsumerDetails = {
  role: Type.Union([Type.Literal('active'), Type.Literal('standby')], {
    description: 'whether this instance is the active consumer of the customer stream',
  }),
  applied_offset: Type.Union([Offset, Type.Null()], { description: 'last stream offset applied to the replica' }),
  reason: Type.Optional(
    Type.Union(
      [Type.Literal('stream_gap'), Type.Literal('stream_reset'), Type.Literal('unverified'), Type.Literal('bootstrapping'), Type.Literal('bootstrap_failed')],
      {
        description: 'why this instance does not consume the stream (the replica check is down)',
      },
    ),
  ),
  needed: Type.Optional(Type.String({ description: 'the next stream offset the replica needs' })),
  first_retained: Type.Optional(Type.String({ description: 'the first offset the stream still holds' })),
  partitions: Type.Optional(
    Type.Array(
      Type.Object({
        stream: Type.String(),
        role: Type.Union([Type.Literal('active'), Type.Literal('standby')]),
        applied_offset: Type.Union([Offset, Type.Null()]),
      }),
      { description: "on a super stream: each partition, and whether this instance is its active consumer" },
    ),
  ),
  bootstrap: Type.Optional(
    Type.Object(
      {
        loaded: Type.Integer({ description: 'customers loaded from the snapshot so far' }),
        total: Type.Union([Type.Integer(), Type.Null()], { description: "the snapshot's size, once its header arrived" }),
        error: Type.Optional(Type.String({ description: 'why the last attempt failed (it is tried again)' })),
      },
      { description: 'a snapshot bootstrap this instance runs' },
    ),
  ),
};
