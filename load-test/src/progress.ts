import type { PhaseCounter } from './http-load.js';

export interface ProgressLine {
  phase: string;
  done: number;
  total: number;
  ratePerS: number;
  errors: number;
  note?: string;
}

export function formatProgress(elapsedS: number, line: ProgressLine): string {
  const pct = line.total > 0 ? ` (${((100 * line.done) / line.total).toFixed(0)}%)` : '';
  return (
    `[load ${elapsedS.toFixed(0).padStart(4)}s] ${line.phase.padEnd(9)} ${line.done}/${line.total}${pct}` +
    ` ${line.ratePerS.toFixed(0)}/s errors ${line.errors}${line.note ? ` ${line.note}` : ''}`
  );
}

/**
 * Prints one line a second for the phase that is running (never a silent minute):
 * the phase's counters, or a free-form status (e.g. while waiting for convergence).
 */
export function createProgress(startedAt: number, write: (line: string) => void = (l) => console.log(l)) {
  let counters: PhaseCounter[] = [];
  let status: (() => string) | undefined;
  let last = new Map<PhaseCounter, number>();
  const timer = setInterval(() => {
    const elapsed = (Date.now() - startedAt) / 1000;
    const text = status?.();
    if (text) write(`[load ${elapsed.toFixed(0).padStart(4)}s] ${text}`);
    for (const counter of counters) {
      const done = counter.ok;
      const rate = done - (last.get(counter) ?? 0);
      last.set(counter, done);
      write(formatProgress(elapsed, { phase: counter.phase, done, total: counter.total, ratePerS: rate, errors: counter.errors }));
    }
  }, 1_000);
  timer.unref();
  return {
    track(next: PhaseCounter[]) {
      counters = next;
      last = new Map(next.map((counter) => [counter, counter.ok]));
    },
    untrack(counter: PhaseCounter) {
      counters = counters.filter((c) => c !== counter);
    },
    status(next: (() => string) | undefined) {
      status = next;
    },
    stop() {
      clearInterval(timer);
    },
  };
}
export type Progress = ReturnType<typeof createProgress>;
