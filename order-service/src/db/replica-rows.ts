import { sql, type RawBuilder } from 'kysely';
import type { ReplicaRow } from '../domain/replica-fold.js';

/**
 * The upsert of a batch's folded rows, as one statement. A row changes only when its version is
 * newer than the stored one, so older and repeated versions change nothing; a deletion-only row
 * keeps the stored address, and a deletion is final. `onlyIf`: rows are written only when this
 * condition holds (the fence, evaluated in the same statement).
 */
export function upsertReplicaRows(rows: readonly ReplicaRow[], onlyIf: RawBuilder<unknown>) {
  return sql`
    INSERT INTO customers (id, address, version, deleted, updated_at, last_event_offset)
    SELECT * FROM unnest(
      ${rows.map((row) => row.id)}::uuid[],
      ${rows.map((row) => row.address)}::text[],
      ${rows.map((row) => row.version)}::integer[],
      ${rows.map((row) => row.deleted)}::boolean[],
      ${rows.map((row) => row.updatedAt)}::timestamptz[],
      ${rows.map((row) => row.lastEventOffset.toString())}::bigint[]
    ) WHERE ${onlyIf}
    ON CONFLICT (id) DO UPDATE SET
      address = COALESCE(excluded.address, customers.address),
      version = excluded.version,
      deleted = customers.deleted OR excluded.deleted,
      updated_at = excluded.updated_at,
      last_event_offset = excluded.last_event_offset
    WHERE customers.version < excluded.version
  `;
}
