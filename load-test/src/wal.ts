/**
 * The PostgreSQL server's WAL flushes during a phase (pg_stat_wal, the whole server: both services'
 * databases share one WAL). Every commit waits for the WAL to reach the disk; commits that come
 * together share a flush. On this project's development VM a create statement spent about two thirds
 * of its active time waiting for a flush (IO:WALSync, LWLock:WALWrite in pg_stat_activity), so how
 * many requests one flush carries says how well the write path groups its commits.
 */
export interface WalCounters {
  syncs: number;
  bytes: number;
}

export interface WalFigures {
  syncs: number;
  /** Requests of the phase per WAL flush. */
  requestsPerSync: number;
  bytesPerRequest: number;
}

interface Queryable {
  query<R extends Record<string, unknown>>(text: string): Promise<{ rows: R[] }>;
}

/** The server's WAL counters; undefined when they cannot be read. */
export async function walSnapshot(db: Queryable): Promise<WalCounters | undefined> {
  try {
    const { rows } = await db.query<{ syncs: string; bytes: string }>('SELECT wal_sync::text AS syncs, wal_bytes::text AS bytes FROM pg_stat_wal');
    const row = rows[0];
    return row ? { syncs: Number(row.syncs), bytes: Number(row.bytes) } : undefined;
  } catch {
    return undefined;
  }
}

/** What `requests` cost in WAL flushes and bytes between two snapshots. Pure. */
export function walFigures(before: WalCounters | undefined, after: WalCounters | undefined, requests: number): WalFigures | undefined {
  if (!before || !after || requests <= 0 || after.syncs < before.syncs) return undefined;
  const syncs = after.syncs - before.syncs;
  return { syncs, requestsPerSync: syncs > 0 ? requests / syncs : requests, bytesPerRequest: (after.bytes - before.bytes) / requests };
}
