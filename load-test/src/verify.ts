import { acknowledgedExpectation, waitForConvergence } from './convergence.js';
import type { Databases, Summary } from './databases.js';
import { replicaRows, replicaSummary, sourceRows, sourceState } from './databases.js';
import { describeDifference, diffRows, type RowDiff } from './digest.js';
import type { RunModel } from './phases/model.js';

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
  diff?: RowDiff;
  problems: string[];
}

/**
 * Field by field: customer_db's rows of this run (by email) against the replica's rows of the
 * same ids plus every id the API acknowledged (so an extra replica row shows), by ordered digest;
 * on a mismatch both sides are fetched and diffed. Also checks customer_db against what the API
 * acknowledged: each acknowledged customer exists with the last acknowledged address and version.
 * `replicaOfKnown`: the replica's summary over `known.ids`, when the caller has just computed it.
 */
export async function verifyRun(
  dbs: Databases,
  model: RunModel,
  known?: Summary & { ids: string[] },
  replicaOfKnown?: Summary,
): Promise<Verification> {
  const problems: string[] = [];
  // customer_db's side, unless the caller already read it once the writes were done.
  const source = known ?? (await sourceState(dbs.customer, model.runId));
  const acknowledged = model.ids.filter(Boolean);
  const sourceIds = new Set(source.ids);
  const unlisted = acknowledged.filter((id) => !sourceIds.has(id));
  const ids = [...source.ids, ...new Set(unlisted)];
  // The replica's digest over exactly these ids, when the caller has just computed it (convergence does).
  const reuse = replicaOfKnown !== undefined && known !== undefined && unlisted.length === 0;
  const [replica, rows] = await Promise.all([
    reuse ? replicaOfKnown : replicaSummary(dbs.order, ids),
    sourceRows(dbs.customer, model.runId),
  ]);
  const byId = new Map(rows.map((row) => [row.id, row]));
  const notAsAcknowledged: string[] = [];
  for (let i = 0; i < model.n; i++) {
    const id = model.ids[i];
    if (!id) continue;
    const row = byId.get(id);
    const exactVersion = !model.ambiguous[i];
    if (!row) notAsAcknowledged.push(`${id}: acknowledged (201) but not in customer_db`);
    else if (row.address !== model.addresses[i])
      notAsAcknowledged.push(`${id}: customer_db address ${JSON.stringify(row.address)}, last acknowledged ${JSON.stringify(model.addresses[i])}`);
    else if (exactVersion ? row.version !== model.writes[i] : row.version < model.writes[i]!)
      notAsAcknowledged.push(`${id}: customer_db version ${row.version}, ${model.writes[i]} acknowledged writes`);
  }
  const acknowledgedSet = new Set(acknowledged);
  const unacknowledgedInSource = rows.filter((row) => !acknowledgedSet.has(row.id)).length;
  if (notAsAcknowledged.length > 0) problems.push(`${notAsAcknowledged.length} customers in customer_db are not as the API acknowledged`);

  let diff: RowDiff | undefined;
  if (replica.digest !== source.digest || replica.count !== source.count) {
    diff = diffRows(rows, await replicaRows(dbs.order, ids));
    problems.push(
      `replica differs from customer_db: ${diff.missing} missing, ${diff.extra} extra, ${diff.different} different; first: ` +
        diff.first.slice(0, 5).map(describeDifference).join(' | '),
    );
  }
  return {
    ok: problems.length === 0,
    sourceCount: source.count,
    replicaCount: replica.count,
    sourceDigest: source.digest,
    replicaDigest: replica.digest,
    notAsAcknowledged: notAsAcknowledged.slice(0, 20),
    unacknowledgedInSource,
    diff,
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
