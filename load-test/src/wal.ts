/**
 * The PostgreSQL server's WAL flushes during a phase (pg_stat_wal, the whole server: both services'
 * databases share one WAL). Every commit waits for the WAL to reach the disk; commits that come
 * together share a flush. On this project's development VM a create statement spent about two thirds
 * of its active time waiting for a flush (IO:WALSync, LWLock:WALWrite in pg_stat_activity), so how
 * many requests one flush carries says how well the write path groups its commits.
 */
export interface WalCounters {
  /** When the counters were read (ms, performance.now()). */
  atMs: number;
  syncs: number;
  /** Full-page images (pg_stat_wal.wal_fpi): a page's first change after each checkpoint writes all of it. */
  fullPages: number;
  /** The WAL's insert position in bytes: exact at once, unlike pg_stat_wal's counters. */
  bytes: number;
}

export interface WalFigures {
  /** Only when the counters were complete (see walFigures). */
  syncs?: number;
  requestsPerSync?: number;
  fullPagesPerRequest?: number;
  bytesPerRequest: number;
}

interface Queryable {
  query<R extends Record<string, unknown>>(text: string): Promise<{ rows: R[] }>;
}

/** The server's WAL counters; undefined when they cannot be read. */
export async function walSnapshot(db: Queryable): Promise<WalCounters | undefined> {
  try {
    const { rows } = await db.query<{ syncs: string; full_pages: string; bytes: string }>(
      `SELECT wal_sync::text AS syncs, wal_fpi::text AS full_pages,
         pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::text AS bytes FROM pg_stat_wal`,
    );
    const row = rows[0];
    return row
      ? { atMs: performance.now(), syncs: Number(row.syncs), fullPages: Number(row.full_pages), bytes: Number(row.bytes) }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A session reports its flushes and full-page images to pg_stat_wal at most once a second
 * (PostgreSQL 15), so the counts at a phase's end miss up to its last second: a phase shorter than
 * this gives neither figure, unless `complete` (the sessions that did the work have ended, and
 * report on exit).
 */
export const MIN_SECONDS_FOR_FLUSHES = 10;

/** What `requests` cost in WAL flushes, full-page images and bytes between two snapshots. Pure. */
export function walFigures(before: WalCounters | undefined, after: WalCounters | undefined, requests: number, complete = false): WalFigures | undefined {
  if (!before || !after || requests <= 0 || after.syncs < before.syncs) return undefined;
  const bytesPerRequest = (after.bytes - before.bytes) / requests;
  if (!complete && after.atMs - before.atMs < MIN_SECONDS_FOR_FLUSHES * 1000) return { bytesPerRequest };
  const syncs = after.syncs - before.syncs;
  return {
    syncs,
    requestsPerSync: syncs > 0 ? requests / syncs : requests,
    fullPagesPerRequest: (after.fullPages - before.fullPages) / requests,
    bytesPerRequest,
  };
}
