/**
 * The address a customer's last acknowledged write gave, as a kind (one byte per customer): the
 * text is rebuilt from the kind, the customer's index and the run (`addressOf`), so that a 1M run
 * does not keep a million more strings in the load generator's heap for its full collections to mark.
 */
export const AddressKind = { none: 0, unknown: 1, created: 2, /** + r: the update of round r (0-based) */ updated: 3 } as const;

/** What the load generator believes about each customer of the run, by index. */
export interface RunModel {
  runId: string;
  n: number;
  /** customer_id from the 201 response ('' until acknowledged). */
  ids: string[];
  /** The address of the last acknowledged write (AddressKind; the text: addressOf). */
  addresses: Uint8Array;
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
    addresses: new Uint8Array(n),
    writes: new Uint16Array(n),
    updated: new Uint8Array(n),
    ambiguous: new Uint8Array(n),
    lastWriteAt: 0,
  };
}

/** The text of an address kind for customer `i` of run `runId` ('' for none). */
export function addressText(runId: string, i: number, kind: number): string {
  if (kind === AddressKind.none) return '';
  if (kind === AddressKind.unknown) return 'unknown';
  if (kind === AddressKind.created) return `${i} Load Street, Run ${runId}`;
  return `${i} Update Avenue ${kind - AddressKind.updated + 1}, Run ${runId}`;
}

/** The address customer_db must hold for customer `i`: that of its last acknowledged write. */
export const addressOf = (model: Pick<RunModel, 'runId' | 'addresses'>, i: number) => addressText(model.runId, i, model.addresses[i]!);

/** The customers whose create was acknowledged, in index order. */
export function acknowledgedIndexes(model: Pick<RunModel, 'n' | 'writes'>): Uint32Array {
  const indexes = new Uint32Array(model.n);
  let count = 0;
  for (let i = 0; i < model.n; i++) if (model.writes[i]! > 0) indexes[count++] = i;
  return indexes.slice(0, count);
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
