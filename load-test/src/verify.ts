import { acknowledgedExpectation, waitForConvergence } from './convergence.js';
import type { Databases, Summary } from './databases.js';
import { replicaRows, replicaSummary, sourceRows, sourceState, sourceSummary } from './databases.js';
import { describeDifference, diffRows, type RowDiff } from './digest.js';
import { addressOf, type RunModel } from './phases/model.js';

export interface Verification {
  ok: boolean;
  sourceCount: number;
  replicaCount: number;
  sourceDigest: string;
  replicaDigest: string;
  /** Acknowledged by the API but not in customer_db (lost), or not as acknowledged. */
  notAsAcknowledged: string[];
  /** Present in customer_db for this run without an acknowledged create (e.g. a timed-out request). */
  unacknowledgedInSource: number;
  /** The id ranges compared one at a time, and those whose digests differed (with their mismatching ids). */
  ranges: { count: number; size: number; mismatched: RangeMismatch[] };
  diff?: RowDiff;
  problems: string[];
}

/** An id range whose digests differ between customer_db and the replica. */
export interface RangeMismatch {
  from: string;
  to: string;
  /** The mismatching ids of the range (at most LISTED_PER_RANGE). */
  ids: string[];
  differences: number;
}

/** Ids per range: what one comparison holds in memory, rows of both sides included. */
export const RANGE_SIZE = 10_000;
const LISTED_PER_RANGE = 20;
const LISTED_RANGES = 20;
const RANGES_IN_FLIGHT = 4;

/**
 * The ids to compare, in id order (PostgreSQL's uuid order is the order of their lower-case text):
 * customer_db's ids of the run merged with every id the API acknowledged (so that an acknowledged
 * customer missing on both sides, or an extra replica row of the run, shows), cut into ranges of
 * `size` ids. Each acknowledged id carries its index in the model.
 */
export function* idRanges(sourceIds: readonly string[], model: Pick<RunModel, 'ids'>, size: number): Generator<Array<[string, number]>> {
  const acknowledged = model.ids.flatMap((id, i) => (id ? [i] : [])).sort((a, b) => (model.ids[a]! < model.ids[b]! ? -1 : model.ids[a]! > model.ids[b]! ? 1 : 0));
  let range: Array<[string, number]> = [];
  let s = 0;
  let a = 0;
  while (s < sourceIds.length || a < acknowledged.length) {
    const fromSource = sourceIds[s];
    const fromModel = a < acknowledged.length ? model.ids[acknowledged[a]!]! : undefined;
    let next: [string, number];
    if (fromModel === undefined || (fromSource !== undefined && fromSource < fromModel)) {
      next = [fromSource!, -1];
      s++;
    } else {
      next = [fromModel, acknowledged[a]!];
      a++;
      if (fromSource === fromModel) s++;
    }
    // (the same id twice in the model: one acknowledged create answered twice; compared once)
    if (range.length > 0 && range.at(-1)![0] === next[0]) continue;
    range.push(next);
    if (range.length >= size) {
      yield range;
      range = [];
    }
  }
  if (range.length > 0) yield range;
}

/**
 * Field by field, one id range at a time (no side's rows of the whole run in memory: a 1M run is
 * 100 ranges of 10,000): customer_db's rows of the range against the replica's rows of the same
 * ids, by ordered digest computed in each database; when a range's digests differ, both sides'
 * rows of that range are fetched and diffed, and its mismatching ids listed. Each range's
 * customer_db rows are also checked against what the API acknowledged: each acknowledged customer
 * exists with the last acknowledged address and version.
 * `replicaOfKnown`: the replica's summary over `known.ids`, when the caller has just computed it.
 */
export async function verifyRun(
  dbs: Databases,
  model: RunModel,
  known?: Summary & { ids: string[] },
  replicaOfKnown?: Summary,
  rangeSize = RANGE_SIZE,
): Promise<Verification> {
  const problems: string[] = [];
  // customer_db's side, unless the caller already read it once the writes were done.
  const source = known ?? (await sourceState(dbs.customer, model.runId));
  const notAsAcknowledged: string[] = [];
  let notAsAcknowledgedCount = 0;
  let unacknowledgedInSource = 0;
  let replicaCount = 0;
  let ranges = 0;
  const mismatched: RangeMismatch[] = [];
  const diff: RowDiff = { missing: 0, extra: 0, different: 0, first: [] };

  async function compare(range: Array<[string, number]>) {
    const ids = range.map(([id]) => id);
    const [rows, ours, theirs] = await Promise.all([sourceRows(dbs.customer, ids), sourceSummary(dbs.customer, ids), replicaSummary(dbs.order, ids)]);
    replicaCount += theirs.count;
    const byId = new Map(rows.map((row) => [row.id, row]));
    for (const [id, i] of range) {
      if (i < 0) {
        unacknowledgedInSource++;
        continue;
      }
      const row = byId.get(id);
      const exactVersion = !model.ambiguous[i];
      let problem: string | undefined;
      if (!row) problem = `${id}: acknowledged (201) but not in customer_db`;
      else if (row.address !== addressOf(model, i))
        problem = `${id}: customer_db address ${JSON.stringify(row.address)}, last acknowledged ${JSON.stringify(addressOf(model, i))}`;
      else if (exactVersion ? row.version !== model.writes[i] : row.version < model.writes[i]!)
        problem = `${id}: customer_db version ${row.version}, ${model.writes[i]} acknowledged writes`;
      if (problem !== undefined) {
        notAsAcknowledgedCount++;
        if (notAsAcknowledged.length < 20) notAsAcknowledged.push(problem);
      }
    }
    if (ours.digest === theirs.digest && ours.count === theirs.count) return;
    const found = diffRows(rows, await replicaRows(dbs.order, ids), LISTED_PER_RANGE);
    diff.missing += found.missing;
    diff.extra += found.extra;
    diff.different += found.different;
    if (mismatched.length < LISTED_RANGES) {
      mismatched.push({ from: ids[0]!, to: ids.at(-1)!, ids: found.first.map((d) => d.id), differences: found.missing + found.extra + found.different });
    }
    diff.first = [...diff.first, ...found.first].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0)).slice(0, 20);
  }

  // A few ranges in flight: each is three indexed lookups of `rangeSize` ids per database.
  const pending = new Set<Promise<void>>();
  for (const range of idRanges(source.ids, model, rangeSize)) {
    ranges++;
    const comparing = compare(range).finally(() => pending.delete(comparing));
    pending.add(comparing);
    if (pending.size >= RANGES_IN_FLIGHT) await Promise.race(pending);
  }
  await Promise.all(pending);
  mismatched.sort((x, y) => (x.from < y.from ? -1 : 1));

  if (notAsAcknowledgedCount > 0) problems.push(`${notAsAcknowledgedCount} customers in customer_db are not as the API acknowledged`);
  const differs = mismatched.length > 0;
  if (differs) {
    problems.push(
      `replica differs from customer_db in ${mismatched.length} of ${ranges} id ranges: ${diff.missing} missing, ${diff.extra} extra, ${diff.different} different; first: ` +
        diff.first.slice(0, 5).map(describeDifference).join(' | '),
    );
  }
  // The whole run's digest on each side, for the report (the replica's only when the caller has it
  // for the same ids, else the ranges' verdict says whether it equals customer_db's).
  const reuse = replicaOfKnown !== undefined && known !== undefined && replicaOfKnown.count === replicaCount;
  const replicaDigest = reuse ? replicaOfKnown.digest : differs ? '(differs, see the ranges)' : source.digest;
  return {
    ok: problems.length === 0,
    sourceCount: source.count,
    replicaCount,
    sourceDigest: source.digest,
    replicaDigest,
    notAsAcknowledged,
    unacknowledgedInSource,
    ranges: { count: ranges, size: rangeSize, mismatched },
    diff: differs ? diff : undefined,
    problems,
  };
}

/**
 * Right after the creates, before any update: waits (bounded) until the replica holds every
 * created customer as customer_db does (ordered digests), then verifies the run field by field.
 * `seconds` runs from the first create to the end of that verification.
 */
export async function verifyCreates(
  dbs: Databases,
  model: RunModel,
  firstCreateAt: number,
  timeoutMs: number,
  onStatus: (line: string) => void,
): Promise<{ ok: boolean; seconds?: number; afterLastCreateMs?: number; problems: string[] }> {
  const source = sourceState(dbs.customer, model.runId);
  const convergence = await waitForConvergence(dbs, acknowledgedExpectation(model), source, model.lastWriteAt, timeoutMs, (p, target) =>
    onStatus(`converge  replica ${p.count}/${target.count} created customers, ${((Date.now() - model.lastWriteAt) / 1000).toFixed(1)} s after the last create`),
  );
  if (!convergence.converged) return { ok: false, problems: [`the replica did not hold the created customers within ${timeoutMs} ms`] };
  onStatus('verify    created customers, field by field');
  // The convergence's last poll compared the replica's digest over the run's ids: reused, not recomputed.
  const verification = await verifyRun(dbs, model, await source, convergence.matched);
  return {
    ok: verification.ok,
    seconds: (Date.now() - firstCreateAt) / 1000,
    afterLastCreateMs: convergence.afterLastWriteMs,
    problems: verification.problems,
  };
}
