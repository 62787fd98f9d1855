import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';

/**
 * The customer snapshot customer-service serves (GET /internal/snapshot) and order-service loads
 * when the stream no longer holds a replica's history: NDJSON, one JSON object a line, read from
 * one consistent (REPEATABLE READ) view of customer_db:
 *
 *   {"snapshot":{"total":N,"taken_at":"…"}}                                   first line
 *   {"customer_id":"…","address":"…","version":3,"deleted":false,"updated_at":"…"}   N lines
 *   {"end":{"count":N}}                                                       last line
 *
 * A reader trusts it only when the last line came and its count is the header's total: a response
 * cut short (the server or the network failed midway) is an error, never a smaller snapshot.
 */
export const SNAPSHOT_MEDIA_TYPE = 'application/x-ndjson';

export const SnapshotHeader = Type.Object({
  snapshot: Type.Object({ total: Type.Integer({ minimum: 0 }), taken_at: Type.String() }),
});
export const SnapshotCustomer = Type.Object({
  customer_id: Type.String({ format: 'uuid' }),
  address: Type.String(),
  version: Type.Integer({ minimum: 1 }),
  deleted: Type.Boolean(),
  updated_at: Type.String(),
});
export const SnapshotEnd = Type.Object({ end: Type.Object({ count: Type.Integer({ minimum: 0 }) }) });

export type SnapshotHeader = Static<typeof SnapshotHeader>;
export type SnapshotCustomer = Static<typeof SnapshotCustomer>;
export type SnapshotEnd = Static<typeof SnapshotEnd>;

export type SnapshotLine =
  | { kind: 'header'; total: number }
  | { kind: 'customer'; customer: SnapshotCustomer }
  | { kind: 'end'; count: number }
  | { kind: 'invalid'; detail: string };

const header = Compile(SnapshotHeader);
const customer = Compile(SnapshotCustomer);
const end = Compile(SnapshotEnd);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One line of a snapshot, decoded; never throws (a bad line is `invalid`, with why). */
export function decodeSnapshotLine(line: string): SnapshotLine {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { kind: 'invalid', detail: `not JSON: ${line.slice(0, 80)}` };
  }
  if (customer.Check(value) && UUID.test(value.customer_id)) return { kind: 'customer', customer: value };
  if (header.Check(value)) return { kind: 'header', total: value.snapshot.total };
  if (end.Check(value)) return { kind: 'end', count: value.end.count };
  return { kind: 'invalid', detail: `not a snapshot line: ${line.slice(0, 80)}` };
}

export function encodeSnapshotLine(line: SnapshotHeader | SnapshotCustomer | SnapshotEnd): string {
  return `${JSON.stringify(line)}\n`;
}
