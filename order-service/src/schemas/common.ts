import { UuidString } from '@demo/service-kit';
import Type from 'typebox';

/** Canonical text form only: what PostgreSQL reads (a `urn:uuid:` id is answered 400, not 500). */
export const Uuid = UuidString('UUID');
/** Stream offsets are 64-bit: sent as decimal strings. */
export const Offset = Type.String({ pattern: '^[0-9]{1,19}$', description: 'stream offset (decimal string)' });
export const IdParams = Type.Object({ id: Uuid });
