import Type from 'typebox';

export const Uuid = Type.String({ format: 'uuid', description: 'UUID' });
/** Stream offsets are 64-bit: sent as decimal strings. */
export const Offset = Type.String({ pattern: '^[0-9]{1,19}$', description: 'stream offset (decimal string)' });
export const IdParams = Type.Object({ id: Uuid });
