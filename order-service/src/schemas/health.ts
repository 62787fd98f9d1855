import Type from 'typebox';
import { Offset } from './common.js';

const Role = Type.Union([Type.Literal('active'), Type.Literal('standby')], {
  description: 'whether this instance is the active consumer of the customer stream',
});
const AppliedOffset = Type.Union([Offset, Type.Null()], { description: 'last stream offset applied to the replica' });
const Check = Type.Union([Type.Literal('up'), Type.Literal('down')]);

export const Health = Type.Object({ status: Type.Literal('ok'), role: Role, applied_offset: AppliedOffset });

export const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]),
  role: Role,
  applied_offset: AppliedOffset,
  checks: Type.Object({ database: Check, stream: Check }),
});

export const NotReady = Type.Object({
  error: Type.Literal('not_ready'),
  message: Type.String(),
  status: Type.Literal('not_ready'),
  role: Role,
  applied_offset: AppliedOffset,
  checks: Type.Object({ database: Check, stream: Check }),
});
