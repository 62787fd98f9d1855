/**
 * The load the faults hit: customer creates (with an Idempotency-Key, so a retried create never
 * duplicates), address updates and a few deletes, with bounded concurrency. One operation per
 * customer at a time, so every acknowledged version is meaningful. A request that fails during
 * an outage (refused, reset, timed out, 503) is retried until acknowledged, within a deadline;
 * a 500 is counted as a failure (and retried, to keep the model whole).
 */
import { describeError, request } from './http.js';
import { delay } from './poll.js';
import type { Acknowledged } from './verify/fold.js';

export interface WorkloadOptions {
  customerUrl: string;
  /** Operations to run (at least; see keepGoing). */
  ops: number;
  concurrency: number;
  /**
   * Operations started per second, all workers together; none: as fast as the concurrency allows. A paced load
   * leaves CPU to the rest of the machine (make test runs three systems at once on two cores) while every fault
   * still meets a steady stream of writes.
   */
  ratePerSecond?: number;
  /** Unique per run: emails and idempotency keys are derived from it. */
  runId: string;
  /** Share of updates and deletes once enough customers exist; the rest are creates. */
  updateShare?: number;
  deleteShare?: number;
  /** Give up on one operation after this long (counted as a failure). */
  opDeadlineMs?: number;
  /** While this returns true the workload goes on past `ops` (a fault is still in progress). */
  keepGoing?: () => boolean;
}

export interface WorkloadStats {
  issued: number;
  acknowledged: number;
  creates: number;
  updates: number;
  deletes: number;
  attempts: number;
  retries: number;
  /** Expected during a PostgreSQL outage. */
  status503: number;
  /** A few of the 503 answers, to see why. */
  samples503: string[];
  /** Always a failure. */
  status5xx: number;
  networkErrors: number;
  /** Operations that ended without acknowledgement, or with an answer that makes no sense. */
  failed: number;
  failures: string[];
}

const ADDRESSES = ['1 Main St', '22 Side Rd', 'unknown', '5 Long Ave', '9 Short Ln', 'Flat 3, 12 High St'];
const MAX_FAILURE_SAMPLES = 20;

type Outcome = { kind: 'ack'; version?: number; id?: string } | { kind: 'retry'; why: string } | { kind: 'fail'; why: string };

export class Workload {
  readonly stats: WorkloadStats = {
    issued: 0, acknowledged: 0, creates: 0, updates: 0, deletes: 0, attempts: 0, retries: 0,
    status503: 0, samples503: [], status5xx: 0, networkErrors: 0, failed: 0, failures: [],
  };
  /** Every customer the run created (acknowledged), deleted ones included. */
  readonly acknowledged = new Map<string, Acknowledged>();
  /** performance.now() of every acknowledgement, to count them inside a fault's window. */
  readonly ackTimes: number[] = [];
  private idle: string[] = [];
  private sequence = 0;
  private stopped = false;
  private ackWaiters: Array<{ n: number; resolve: () => void }> = [];
  private readonly pacer: (() => number) | undefined;

  constructor(private readonly options: WorkloadOptions) {
    this.pacer = options.ratePerSecond ? createPacer(options.ratePerSecond) : undefined;
  }

  async run(): Promise<void> {
    const workers = Array.from({ length: this.options.concurrency }, () => this.worker());
    await Promise.all(workers);
    for (const waiter of this.ackWaiters) waiter.resolve();
    this.ackWaiters = [];
  }

  /** Stops issuing new operations (those in flight finish). */
  stop() {
    this.stopped = true;
  }

  /** Resolves once `n` operations were acknowledged (or the workload ended). */
  waitForAcked(n: number): Promise<void> {
    if (this.stats.acknowledged >= n || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.ackWaiters.push({ n, resolve }));
  }

  ackedBetween(start: number, end: number): number {
    return this.ackTimes.filter((t) => t >= start && t <= end).length;
  }

  private more(): boolean {
    if (this.stopped) return false;
    return this.stats.issued < this.options.ops || (this.options.keepGoing?.() ?? false);
  }

  private async worker(): Promise<void> {
    const updateShare = this.options.updateShare ?? 0.5;
    const deleteShare = this.options.deleteShare ?? 0.03;
    while (this.more()) {
      await this.pace();
      if (!this.more()) break;
      this.stats.issued++;
      const r = Math.random();
      if (this.idle.length < this.options.concurrency * 2 || r >= updateShare + deleteShare) {
        await this.create();
      } else {
        const index = Math.floor(Math.random() * this.idle.length);
        const id = this.idle[index]!;
        this.idle[index] = this.idle[this.idle.length - 1]!;
        this.idle.pop();
        if (r < deleteShare) await this.remove(id);
        else await this.update(id);
      }
    }
  }

  /** With ratePerSecond: waits for this operation's slot. */
  private async pace(): Promise<void> {
    const wait = this.pacer?.();
    if (wait) await delay(wait);
  }

  private acked(kind: 'creates' | 'updates' | 'deletes') {
    this.stats.acknowledged++;
    this.stats[kind]++;
    this.ackTimes.push(performance.now());
    this.ackWaiters = this.ackWaiters.filter((waiter) => {
      if (this.stats.acknowledged < waiter.n) return true;
      waiter.resolve();
      return false;
    });
  }

  private fail(why: string) {
    this.stats.failed++;
    this.sample(why);
  }

  private sample(why: string) {
    if (this.stats.failures.length < MAX_FAILURE_SAMPLES) this.stats.failures.push(why);
  }

  private async create(): Promise<void> {
    const n = ++this.sequence;
    const key = `chaos-${this.options.runId}-${n}`;
    const body = JSON.stringify({ name: `Chaos ${n}`, email: `${key}@example.com`, address: pick(ADDRESSES) });
    const outcome = await this.attempt(`create #${n}`, () =>
      request(`${this.options.customerUrl}/customers`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json', 'idempotency-key': key },
      }),
      (status, json) => {
        if (status === 201 || status === 200) {
          const customer = json as { customer_id?: string; version?: number } | undefined;
          if (typeof customer?.customer_id !== 'string') return { kind: 'fail', why: `create #${n}: ${status} without customer_id` };
          return { kind: 'ack', id: customer.customer_id, version: customer.version };
        }
        return undefined;
      },
    );
    if (outcome.kind !== 'ack' || !outcome.id) return;
    if (this.acknowledged.has(outcome.id)) {
      this.fail(`create #${n}: customer ${outcome.id} was already acknowledged for another create`);
      return;
    }
    this.acknowledged.set(outcome.id, { id: outcome.id, version: outcome.version ?? 1, deleted: false });
    this.acked('creates');
    this.idle.push(outcome.id);
  }

  private async update(id: string): Promise<void> {
    const before = this.acknowledged.get(id)!;
    const outcome = await this.attempt(`update ${id}`, () =>
      request(`${this.options.customerUrl}/customers/${id}/address`, {
        method: 'PUT',
        body: JSON.stringify({ address: `${pick(ADDRESSES)} #${++this.sequence}` }),
        headers: { 'content-type': 'application/json' },
      }),
      (status, json) => {
        if (status !== 200) return undefined;
        const version = (json as { version?: number } | undefined)?.version;
        if (typeof version !== 'number' || version <= before.version) {
          return { kind: 'fail', why: `update ${id}: answered version ${version} after v${before.version}` };
        }
        return { kind: 'ack', version };
      },
    );
    if (outcome.kind === 'ack') {
      before.version = outcome.version ?? before.version + 1;
      this.acked('updates');
    }
    this.idle.push(id);
  }

  private async remove(id: string): Promise<void> {
    const before = this.acknowledged.get(id)!;
    let ambiguous = false;
    const outcome = await this.attempt(`delete ${id}`, () =>
      request(`${this.options.customerUrl}/customers/${id}`, { method: 'DELETE' }).catch((error: unknown) => {
        ambiguous = true;
        throw error;
      }),
      (status) => {
        if (status === 204 || status === 200) return { kind: 'ack' };
        // An earlier attempt may have committed before its answer was lost: on the way to us (a
        // network error), or between PostgreSQL and the service (which then answers 503: a crash
        // right after the commit reached the disk and before its result reached the service).
        if (status === 404 && ambiguous) return { kind: 'ack' };
        if (status >= 500) ambiguous = true;
        return undefined;
      },
    );
    if (outcome.kind === 'ack') {
      before.deleted = true;
      before.version += 1;
      this.acked('deletes');
    } else {
      this.idle.push(id);
    }
  }

  /** One operation: attempts until acknowledged, a definite failure, or the deadline. */
  private async attempt(
    what: string,
    send: () => Promise<{ status: number; json: unknown; text: string }>,
    accept: (status: number, json: unknown) => Outcome | undefined,
  ): Promise<Outcome> {
    const deadline = performance.now() + (this.options.opDeadlineMs ?? 120_000);
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) this.stats.retries++;
      this.stats.attempts++;
      let outcome: Outcome;
      try {
        const answer = await send();
        outcome = accept(answer.status, answer.json) ?? this.classify(what, answer.status, answer.text);
      } catch (error) {
        this.stats.networkErrors++;
        outcome = { kind: 'retry', why: `${what}: ${describeError(error)}` };
      }
      if (outcome.kind === 'fail') {
        this.fail(outcome.why);
        return outcome;
      }
      if (outcome.kind === 'ack') return outcome;
      if (performance.now() > deadline) {
        const why = `${what}: not acknowledged within ${this.options.opDeadlineMs ?? 120_000} ms (last: ${outcome.why})`;
        this.fail(why);
        return { kind: 'fail', why };
      }
      await delay(Math.min(1_000, 25 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random() / 2));
    }
  }

  private classify(what: string, status: number, text: string): Outcome {
    if (status === 503) {
      this.stats.status503++;
      if (this.stats.samples503.length < 3) this.stats.samples503.push(`${what}: ${text.slice(0, 160)}`);
      return { kind: 'retry', why: `${what}: 503 ${text.slice(0, 120)}` };
    }
    if (status >= 500) {
      this.stats.status5xx++;
      this.sample(`${what}: ${status} ${text.slice(0, 200)}`); // a 5xx alone fails the run
      return { kind: 'retry', why: `${what}: ${status}` };
    }
    return { kind: 'fail', why: `${what}: unexpected ${status} ${text.slice(0, 200)}` };
  }
}

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)]!;
}

/**
 * Slots 1/rate apart, shared by whoever asks: each call takes the next free slot and returns how many
 * milliseconds until it (0: now). A slot left unused is not made up later (no burst after a pause).
 */
export function createPacer(ratePerSecond: number, now: () => number = () => performance.now()): () => number {
  const interval = 1000 / ratePerSecond;
  let next = -Infinity;
  return () => {
    const t = now();
    const slot = Math.max(t, next);
    next = slot + interval;
    return slot - t;
  };
}
