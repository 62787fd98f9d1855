import Type, { type Static } from 'typebox';
import { Offset, Uuid } from './common.js';

export const ReplicaCustomer = Type.Object({
  id: Uuid,
  address: Type.Union([Type.String(), Type.Null()]),
  version: Type.Integer(),
  deleted: Type.Boolean(),
  updated_at: Type.String({ format: 'date-time' }),
  last_event_offset: Offset,
});
export type ReplicaCustomer = Static<typeof ReplicaCustomer>;
