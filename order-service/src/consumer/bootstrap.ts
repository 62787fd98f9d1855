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

export type BootstrapOutcome = { kind: 'done'; loaded: number; resumeFrom: bigint; seconds: number } | { kind: 'busy' } | { kind: 'superseded' };

/** A snapshot row as the replica keeps it; -1: its stream offset is unknown (it came from a snapshot). */
const FROM_SNAPSHOT = -1n;

/**
 * Loads the replica from customer-service's snapshot when the stream no longer holds its history.
 *
 * The protocol, and why nothing is lost or applied wrongly:
 * 1. Read the stream's first retained offset F **before** asking for the snapshot. Every event
 *    below F was published before that moment, and an event is published only after its change
 *    committed in customer_db (the outbox), so the snapshot, a consistent view taken after it,
 *    reflects every event below F (and maybe later ones).
 * 2. Load the snapshot with each customer's version. 3. Resume the stream at F. Events at F and
 *    later that the snapshot already reflects carry a version no higher than the row's, and the
 *    replica's version guard (ON CONFLICT … WHERE version < excluded.version) makes them change
 *    nothing; the others apply. Nothing at or after F is skipped, nothing below F is needed.
 * 4. Until the end, the position says `bootstrapping`: the applier's fence refuses to apply, and a
 *    crash midway leaves it so: the next attempt empties the replica and starts over (nothing
 *    half-loaded is ever trusted). If retention passes F while loading, the stream check at resume
 *    finds the gap and the bootstrap runs again.
 */
export async function bootstrapFromSnapshot(options: {
  db: Kysely<Database>;
  key: ConsumerKey;
  connection: StreamConnection;
  snapshotUrl: string;
  token?: string | undefined;
  progress: BootstrapProgress;
  signal?: AbortSignal;
  logger: Logger;
  pageSize?: number;
}): Promise<BootstrapOutcome> {
  const { key, logger, progress } = options;
  return options.db.connection().execute(async (db) => {
    if (!(await tryBootstrapLock(db, key))) return { kind: 'busy' };
    try {
      const started = performance.now();
      const generation = await beginBootstrap(db, key);
      const bounds = await streamBounds(await options.connection.ready(), key.stream);
      const resumeFrom = bounds.firstRetained < 0n ? 0n : bounds.firstRetained;
      logger.info({ generation, resumeFrom: String(resumeFrom), url: options.snapshotUrl }, 'bootstrapping the replica from a snapshot');
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
        if (!(await loadSnapshotRows(db, key, generation, rows))) return { kind: 'superseded' };
        progress.loaded += rows.length;
      }
      progress.total = snapshot.total;
      if (!(await finishBootstrap(db, key, generation, resumeFrom))) return { kind: 'superseded' };
      const seconds = (performance.now() - started) / 1000;
      logger.info({ loaded: progress.loaded, seconds: Number(seconds.toFixed(2)), resumeFrom: String(resumeFrom) }, 'replica bootstrapped from the snapshot; resuming the stream');
      return { kind: 'done', loaded: progress.loaded, resumeFrom, seconds };
    } finally {
      await releaseBootstrapLock(db, key).catch(() => undefined);
    }
  });
}

export { SnapshotError };
