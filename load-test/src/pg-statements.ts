import type pg from 'pg';

/**
 * What PostgreSQL spent on each statement during a phase, from pg_stat_statements (loaded by
 * scripts/infra.sh): counters read before and after, and the difference. Execution time only:
 * a statement's commit (its WAL flush) and the round trip are not in it.
 */
export interface StatementCounters {
  database: string;
  query: string;
  calls: number;
  rows: number;
  totalMs: number;
}

export interface StatementCost {
  database: string;
  /** The normalized statement, whitespace folded, cut to 140 characters. */
  query: string;
  calls: number;
  rowsPerCall: number;
  /** Requests of the phase per call: how many creates one grouped statement carried, on average. */
  requestsPerCall: number;
  meanMs: number;
  /** Execution microseconds per request of the phase. */
  usPerRequest: number;
}

const SNAPSHOT_SQL = `
SELECT d.datname AS database, s.dbid::text || ':' || s.userid::text || ':' || s.queryid::text AS id, s.query,
       s.calls::float8 AS calls, s.rows::float8 AS rows, s.total_exec_time AS total_ms
FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
WHERE s.toplevel AND s.queryid IS NOT NULL AND s.query NOT LIKE '%pg_stat_statements%'`;

/**
 * The counters of every statement (of every role: the tools' role reads them all with pg_read_all_stats,
 * else other roles' statements have no queryid and are left out), this query apart; undefined when
 * pg_stat_statements is not there to read (not loaded, no extension).
 */
export async function statementSnapshot(db: pg.Pool): Promise<Map<string, StatementCounters> | undefined> {
  try {
    const result = await db.query<{ id: string; database: string; query: string; calls: number; rows: number; total_ms: number }>(SNAPSHOT_SQL);
    return new Map(result.rows.map((row) => [row.id, { database: row.database, query: row.query, calls: row.calls, rows: row.rows, totalMs: row.total_ms }]));
  } catch {
    return undefined;
  }
}

/** The statements that took the most execution time between two snapshots, per request of the phase. Pure. */
export function statementCosts(
  before: ReadonlyMap<string, StatementCounters>,
  after: ReadonlyMap<string, StatementCounters>,
  requests: number,
  top = 8,
): StatementCost[] {
  const costs: StatementCost[] = [];
  for (const [id, now] of after) {
    const then = before.get(id);
    const calls = now.calls - (then?.calls ?? 0);
    if (calls <= 0) continue;
    const totalMs = now.totalMs - (then?.totalMs ?? 0);
    const rows = now.rows - (then?.rows ?? 0);
    costs.push({
      database: now.database,
      query: now.query.replace(/\s+/g, ' ').trim().slice(0, 140),
      calls,
      rowsPerCall: rows / calls,
      requestsPerCall: requests / calls,
      meanMs: totalMs / calls,
      usPerRequest: requests > 0 ? (totalMs * 1000) / requests : 0,
    });
  }
  return costs.sort((a, b) => b.usPerRequest - a.usPerRequest).slice(0, top);
}
