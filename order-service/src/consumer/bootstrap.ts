import { streamBounds, type StreamConnection } from '@demo/stream';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { beginBootstrap, finishBootstrap, loadSnapshotRows, releaseBootstrapLock, tryBootstrapLock } from '../db/bootstrap.js';
import type { ConsumerKey } from '../db/position.js';
import type { Database } from '../db/schema.js';
import type { ReplicaRow } from '../domain/replica-fold.js';
import { openSnapshot, SnapshotError } from './snapshot-source.js';

export interface BootstrapProgress {
  loaded: number;
  total: number | undefined;
}

export type BootstrapOutcome = { kind: 'done'; loaded: number; resumeFrom: bigint[]; seconds: number } | { kind: 'busy' } | { kind: 'superseded' };

/** A snapshot row as the replica keeps it; -1: its stream offset is unknown (it came from a snapshot). */
const FROM_SNAPSHOT = -1n;

/**
 * Loads the replica from customer-service's snapshot when the stream no longer holds its history.
 *
 * The protocol, and why nothing is lost or applied wrongly:
 * 1. Read where the stream stands, R (each partition's, for a super stream), **before** asking for
 *    the snapshot: the first offset of its last committed chunk (never below its first retained
 *    offset). Every event below R was in the stream at that moment, and an event is published only
 *    after its change committed in customer_db (the outbox), so the snapshot, a consistent view
 *    taken after it, reflects every event below R (and maybe later ones).
 * 2. Load the snapshot with each customer's version. 3. Resume the stream at R. Events at R and
 *    later that the snapshot already reflects carry a version no higher than the row's, and the
 *    replica's version guard (ON CONFLICT … WHERE version < excluded.version) makes them change
 *    nothing; the others apply. Nothing at or after R is skipped, nothing below R is needed (so the
 *    retained history is not applied a second time for nothing: 2.5 million events after a 1M run).
 * 4. Until the end, the position says `bootstrapping`: the applier's fence refuses to apply, and a
 *    crash midway leaves it so: the next attempt empties the replica and starts over (nothing
 *    half-loaded is ever trusted). If retention passes R while loading, the stream check at resume
 *    finds the gap and the bootstrap runs again.
 */
export async function bootstrapFromSnapshot(options: {
  db: Kysely<Database>;
  /** Every stream that feeds the replica: the stream, or each partition of a super stream. */
  keys: readonly ConsumerKey[];
  /** Any connection to the broker: where the streams stand is read through it. */
  connection: StreamConnection;
  snapshotUrl: string;
  token?: string | undefined;
  progress: BootstrapProgress;
  signal?: AbortSignal;
  logger: Logger;
  pageSize?: number;
}): Promise<BootstrapOutcome> {
  const { keys, logger, progress } = options;
  const group = `${keys[0]!.consumerName} ${keys.map((key) => key.stream).join(',')}`;
  return options.db.connection().execute(async (db) => {
    if (!(await tryBootstrapLock(db, group))) return { kind: 'busy' };
    try {
      const started = performance.now();
      const generations = await beginBootstrap(db, keys);
      const client = await options.connection.ready();
      const resumeFrom: bigint[] = [];
      for (const key of keys) {
        const bounds = await streamBounds(client, key.stream);
        resumeFrom.push([bounds.firstRetained, bounds.committedChunk].reduce((max, offset) => (offset > max ? offset : max), 0n));
      }
      logger.info({ generations, resumeFrom: resumeFrom.map(String), url: options.snapshotUrl }, 'bootstrapping the replica from a snapshot');
      const snapshot = await openSnapshot(options.snapshotUrl, { token: options.token, ...(options.signal ? { signal: options.signal } : {}) });
      progress.loaded = 0;
      for await (const page of snapshot.pages(options.pageSize ?? 5_000)) {
        progress.total = snapshot.total;
        const rows: ReplicaRow[] = page.map((customer) => ({
          id: customer.customer_id,
          address: customer.address,
          version: customer.version,
          deleted: customer.deleted,
          updatedAt: customer.updated_at,
          lastEventOffset: FROM_SNAPSHOT,
        }));
        if (!(await loadSnapshotRows(db, keys[0]!, generations[0]!, rows))) return { kind: 'superseded' };
        progress.loaded += rows.length;
      }
      progress.total = snapshot.total;
      const finished = await finishBootstrap(
        db,
        keys.map((key, index) => ({ key, generation: generations[index]!, resumeFrom: resumeFrom[index]! })),
      );
      if (!finished) return { kind: 'superseded' };
      const seconds = (performance.now() - started) / 1000;
      logger.info(
        { loaded: progress.loaded, seconds: Number(seconds.toFixed(2)), resumeFrom: resumeFrom.map(String).join(',') },
        'replica bootstrapped from the snapshot; resuming the stream',
      );
      return { kind: 'done', loaded: progress.loaded, resumeFrom, seconds };
    } finally {
      await releaseBootstrapLock(db, group).catch(() => undefined);
    }
  });
}

export { SnapshotError };
