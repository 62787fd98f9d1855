import Type from 'typebox';

/**
 * A UUID in its canonical text form (8-4-4-4-12 hex digits, either case): what PostgreSQL's uuid
 * type reads. Fastify's `format: 'uuid'` (ajv-formats) alone also lets `urn:uuid:…` through,
 * which PostgreSQL refuses: the request would fail as a 500 instead of a 400, and take the other
 * requests grouped into the same statement down with it.
 */
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

export const UuidString = (description: string) => Type.String({ format: 'uuid', pattern: UUID_PATTERN, description });
