import Type from 'typebox';
import { Offset } from './common.js';

/** What /health and /ready tell besides their checks: this instance's part in consuming the stream. */
export const ConsumerDetails = {
  role: Type.Union([Type.Literal('active'), Type.Literal('standby')], {
    description: 'whether this instance is the active consumer of the customer stream',
  }),
  applied_offset: Type.Union([Offset, Type.Null()], { description: 'last stream offset applied to the replica' }),
};
