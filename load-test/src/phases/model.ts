/** What the load generator believes about each customer of the run, by index. */
export interface RunModel {
  runId: string;
  n: number;
  /** customer_id from the 201 response ('' until acknowledged). */
  ids: string[];
  /** The address of the last acknowledged write. */
  addresses: string[];
  /** Acknowledged writes per customer (1 create + n updates): the version customer_db must hold. */
  writes: Uint16Array;
  /** Customers that were updated at least once (orders avoid them: their expected status is then exact). */
  updated: Uint8Array;
  /** Writes whose first attempt failed and were sent again: their outcome may have been applied twice. */
  ambiguous: Uint8Array;
  lastWriteAt: number;
}

export function newModel(runId: string, n: number): RunModel {
  return {
    runId,
    n,
    ids: new Array<string>(n).fill(''),
    addresses: new Array<string>(n).fill(''),
    writes: new Uint16Array(n),
    updated: new Uint8Array(n),
    ambiguous: new Uint8Array(n),
    lastWriteAt: 0,
  };
}

export const emailOf = (runId: string, i: number) => `load-${runId}-${i}@example.com`;
/** customer_db LIKE pattern that matches this run's emails and nothing else. */
export const emailPattern = (runId: string) => `load-${runId}-%@example.com`;

export function errorKind(status: number, body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    if (typeof parsed.error === 'string') return `${status} ${parsed.error}`;
  } catch {
    // not JSON: the status says it all
  }
  return String(status);
}
