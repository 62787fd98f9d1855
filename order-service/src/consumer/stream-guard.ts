import { errorMessage, sleep } from '@demo/async';
import type { StreamConnection } from '@demo/stream';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { loadPosition, type ConsumerKey, type StoredPosition } from '../db/position.js';
import type { Database } from '../db/schema.js';
import type { Verdict } from '../domain/stream-integrity.js';
import type { Metrics } from '../metrics.js';
import { checkStream } from './stream-check.js';

/** A reset or an unverified message is asked this many more times, this far apart, before it counts. */
const CONFIRMATIONS = 3;
const CONFIRM_DELAY_MS = 1_000;

/** Why this instance does not consume, as /ready tells it. */
export type IntegrityProblem = Exclude<Verdict, { kind: 'ok' }>;

/**
 * Keeps an instance from consuming a stream that no longer holds what its replica needs (see
 * domain/stream-integrity.ts): checked at start and on every promotion (after a reconnect, a
 * rebuild, a failover); while a check fails, checked again every `recheckMs` (5 s) until it passes.
 */
export interface StreamGuard {
  /** On promotion, with the stored position: where to resume, or 'stand-down'. */
  admit(position: StoredPosition): Promise<bigint | 'first' | 'stand-down'>;
  /** A check now, reported like the others (at start, by standbys too). */
  checkNow(): Promise<void>;
  /** The failing verdict, or undefined while the stream is fine (or not checked yet). */
  readonly problem: IntegrityProblem | undefined;
  /** Called when a failing check passes again (e.g. after a rebuild): the consumer may subscribe again. */
  onRestored(listener: () => void): void;
  close(): void;
}

const ADVICE: Record<IntegrityProblem['kind'], string> = {
  stream_gap: 'retention removed events this replica never applied; rebuild it from a snapshot: make rebuild-replica',
  stream_reset: 'the stream is not the one this replica was built from (deleted and declared again); rebuild it from a snapshot: make rebuild-replica',
  unverified: 'the message at the stored offset could not be read back; checking again',
};

export function createStreamGuard(options: {
  connection: StreamConnection;
  key: ConsumerKey;
  db: Kysely<Database>;
  metrics: Metrics;
  logger: Logger;
  recheckMs?: number;
}): StreamGuard {
  const { connection, key, metrics, logger } = options;
  let problem: IntegrityProblem | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const restored: Array<() => void> = [];

  function report(verdict: Verdict) {
    if (verdict.kind === 'ok') {
      metrics.integrityOk.set({ partition: key.stream }, 1);
      if (problem) {
        logger.info({ was: problem.kind }, 'stream integrity restored');
        problem = undefined;
        for (const listener of restored) listener();
      }
      return;
    }
    metrics.integrityOk.set({ partition: key.stream }, 0);
    if (problem?.kind !== verdict.kind) {
      const level = verdict.kind === 'unverified' ? 'warn' : 'error';
      logger[level](
        { reason: verdict.kind, needed: String(verdict.needed), first_retained: String(verdict.firstRetained), ...('detail' in verdict ? { detail: verdict.detail } : {}) },
        `not consuming the stream: ${ADVICE[verdict.kind]}`,
      );
    }
    problem = verdict;
    scheduleRecheck();
  }

  function scheduleRecheck() {
    if (timer || closed) return;
    timer = setTimeout(() => {
      timer = undefined;
      void checkNow();
    }, options.recheckMs ?? 5_000);
    timer.unref();
  }

  /**
   * A verdict other than ok, confirmed: right after a leader moves, the new leader's statistics can
   * say the stream is empty for a moment; a reset or an unverified message is asked again a few
   * times before the instance stands down. A gap is what retention did: it does not heal.
   */
  async function confirmed(position: Pick<StoredPosition, 'lastOffset' | 'lastFingerprint'>): Promise<Verdict> {
    let verdict = await checkStream(connection, key.stream, position);
    for (let attempt = 0; attempt < CONFIRMATIONS && (verdict.kind === 'stream_reset' || verdict.kind === 'unverified'); attempt++) {
      await sleep(CONFIRM_DELAY_MS);
      verdict = await checkStream(connection, key.stream, position);
    }
    return verdict;
  }

  async function checkNow() {
    try {
      report(await confirmed(await loadPosition(options.db, key)));
    } catch (error) {
      logger.warn({ err: errorMessage(error) }, 'checking the stream failed; checking again');
      scheduleRecheck();
    }
  }

  return {
    async admit(position) {
      const verdict = await confirmed(position);
      report(verdict);
      return verdict.kind === 'ok' ? verdict.resumeFrom : 'stand-down';
    },
    checkNow,
    get problem() {
      return problem;
    },
    onRestored(listener) {
      restored.push(listener);
    },
    close() {
      closed = true;
      clearTimeout(timer);
    },
  };
}
