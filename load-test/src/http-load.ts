import { HttpConnection, HttpTimeout, type HttpAnswer } from './http-client.js';
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
  /** Retry rounds for the items that did not succeed. */
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
 * Sends one request per item at the given concurrency (connections, one request in flight each),
 * each with its own body, and hands every response to `accept`. Items without a successful answer
 * (error status, timeout, broken connection) are sent again in up to `maxRetries` rounds.
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

/**
 * One round: `concurrency` connections, each sending one request at a time and taking the next
 * item when its answer came, until every item was sent once. Returns the items without a
 * successful answer (error status, timeout, broken connection).
 */
async function runRound<T>(
  options: BatchOptions<T>,
  items: readonly T[],
  latenciesMs: NumberLog,
  countError: (kind: string) => void,
): Promise<T[]> {
  const failed = new Uint8Array(items.length);
  const url = new URL(options.baseUrl);
  let next = 0;
  async function worker() {
    const connection = new HttpConnection(url, options.timeoutS * 1000);
    try {
      while (next < items.length) {
        const index = next++;
        const item = items[index]!;
        const spec = options.build(item);
        const started = performance.now();
        let answer: HttpAnswer;
        try {
          answer = await connection.request(spec.method, spec.path, headerBlock(spec.headers), spec.body);
        } catch (error) {
          failed[index] = 1;
          countError(error instanceof HttpTimeout ? 'timeout' : `connection error (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
          continue;
        }
        if (answer.status >= 200 && answer.status < 300) latenciesMs.push(performance.now() - started);
        const verdict = options.accept(item, answer.status, answer.body);
        if (verdict === 'ok') {
          options.counter.ok++;
        } else {
          failed[index] = 1;
          countError(verdict);
        }
      }
    } finally {
      connection.close();
    }
  }
  await Promise.all(Array.from({ length: Math.min(options.concurrency, items.length) }, worker));
  return items.filter((_, index) => failed[index]);
}

const JSON_BODY = 'content-type: application/json\r\n';

function headerBlock(headers: Record<string, string> | undefined): string {
  if (headers === undefined) return JSON_BODY;
  let block = JSON_BODY;
  for (const [name, value] of Object.entries(headers)) block += `${name}: ${value}\r\n`;
  return block;
}
