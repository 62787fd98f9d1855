import autocannon from 'autocannon';
import { NumberLog } from './stats.js';

export interface RequestSpec {
  method: 'POST' | 'PUT' | 'DELETE';
  path: string;
  body: string;
  headers?: Record<string, string>;
}

/** Live counters a progress reporter reads every second. */
export interface PhaseCounter {
  phase: string;
  total: number;
  ok: number;
  errors: number;
}

export interface BatchOptions<T> {
  counter: PhaseCounter;
  baseUrl: string;
  items: readonly T[];
  concurrency: number;
  timeoutS: number;
  /** Retry rounds for the items that did not succeed (each round is a fresh autocannon run). */
  maxRetries: number;
  build(item: T): RequestSpec;
  /** 'ok', or the kind of error (e.g. '409 email_taken') counted in the report. */
  accept(item: T, status: number, body: string): 'ok' | string;
}

export interface BatchResult<T> {
  succeeded: number;
  failed: T[];
  errorsByKind: Record<string, number>;
  /** Requests sent again after a failure (all rounds but the first). */
  retried: number;
  rounds: number;
  latenciesMs: NumberLog;
  startedAt: number;
  endedAt: number;
}

/**
 * Sends one request per item through autocannon at the given concurrency, each with its own body,
 * and hands every response to `accept`. A connection keeps one request in flight, so the item is
 * carried from setupRequest to onResponse in the connection's context. Items without a successful
 * answer (error status, timeout, broken connection) are sent again in up to `maxRetries` rounds.
 */
export async function runBatch<T>(options: BatchOptions<T>): Promise<BatchResult<T>> {
  const errorsByKind: Record<string, number> = {};
  const latenciesMs = new NumberLog();
  const countError = (kind: string) => {
    errorsByKind[kind] = (errorsByKind[kind] ?? 0) + 1;
    options.counter.errors++;
  };
  const startedAt = Date.now();
  let pending: readonly T[] = options.items;
  let retried = 0;
  let rounds = 0;
  while (pending.length > 0 && rounds <= options.maxRetries) {
    if (rounds > 0) retried += pending.length;
    pending = await runRound(options, pending, latenciesMs, countError);
    rounds++;
  }
  return {
    succeeded: options.items.length - pending.length,
    failed: [...pending],
    errorsByKind,
    retried,
    rounds,
    latenciesMs,
    startedAt,
    endedAt: Date.now(),
  };
}

interface Context {
  index?: number;
}

async function runRound<T>(
  options: BatchOptions<T>,
  items: readonly T[],
  latenciesMs: NumberLog,
  countError: (kind: string) => void,
): Promise<T[]> {
  const done = new Uint8Array(items.length);
  let next = 0;
  let finish: (error?: Error) => void = () => undefined;
  const finished = new Promise<void>((resolve, reject) => {
    finish = (error) => (error ? reject(error) : resolve());
  });
  const instance = autocannon({
    url: options.baseUrl,
    connections: Math.min(options.concurrency, items.length),
    pipelining: 1,
    amount: items.length,
    // autocannon reports the end of a run at its next sample tick: at the default 1 s, up to a
    // second after the last response, time that would count as replication in the figures.
    sampleInt: 25,
    timeout: options.timeoutS,
    headers: { 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (request: autocannon.Request, context: object) => {
          const index = next++;
          (context as Context).index = index;
          // amount === items.length: autocannon asks for exactly one request per item.
          const spec = options.build(items[Math.min(index, items.length - 1)]!);
          return {
            ...request,
            method: spec.method,
            path: spec.path,
            body: spec.body,
            headers: { 'content-type': 'application/json', ...spec.headers },
          };
        },
        onResponse: (status: number, body: string, context: object) => {
          const index = (context as Context).index;
          if (index === undefined || index >= items.length || done[index]) return;
          const verdict = options.accept(items[index]!, status, body);
          if (verdict === 'ok') {
            done[index] = 1;
            options.counter.ok++;
          } else {
            countError(verdict);
          }
        },
      },
    ],
  }, (error: Error | null) => finish(error ?? undefined));
  instance.on('response', (_client: unknown, status: number, _bytes: number, responseTime: number) => {
    if (status >= 200 && status < 300) latenciesMs.push(responseTime);
  });
  instance.on('reqError', (error: Error) => {
    countError(/timed out/.test(error.message) ? 'timeout' : `connection error (${(error as NodeJS.ErrnoException).code ?? error.message})`);
  });
  await finished;
  return items.filter((_, index) => !done[index]);
}
