import { encodeSnapshotLine } from '@demo/contract';
import type pg from 'pg';
import { snapshotPages } from '../db/snapshot.js';

/**
 * The customer snapshot as NDJSON lines (see lib/contract snapshot.ts): a header with the total,
 * the customers, and an end line with the count, which a reader checks to know it got them all.
 */
export async function* customerSnapshot(pool: pg.Pool, pageSize = 5_000): AsyncGenerator<string> {
  let total = 0;
  let count = 0;
  for await (const page of snapshotPages(pool, pageSize, (rows) => (total = rows))) {
    if (count === 0) yield encodeSnapshotLine({ snapshot: { total, taken_at: new Date().toISOString() } });
    count += page.length;
    yield page.map((row) => encodeSnapshotLine(row)).join('');
  }
  if (count === 0) yield encodeSnapshotLine({ snapshot: { total, taken_at: new Date().toISOString() } });
  yield encodeSnapshotLine({ end: { count } });
}
