import { constants, PerformanceObserver, performance, type PerformanceEntry } from 'node:perf_hooks';

/** The load generator's own garbage collections over a time window: while one runs, responses wait unread. */
export interface GcPauses {
  pauses: number;
  /** Full (mark-compact) collections among them. */
  major: number;
  totalMs: number;
  longestMs: number;
}

/**
 * Records every collection of this process (start and duration, in typed arrays that grow by
 * doubling: a 1M run makes a few thousand) from `start()` on. A latency the load generator
 * measures includes any pause of its own that fell inside the request, so the report puts the
 * pauses of each phase beside its latencies.
 */
export function createGcRecorder() {
  let startedAt = new Float64Array(1024);
  let durations = new Float64Array(1024);
  let kinds = new Uint8Array(1024);
  let count = 0;
  let observer: PerformanceObserver | undefined;

  function record(entry: PerformanceEntry) {
    if (count === startedAt.length) {
      const grow = <T extends Float64Array | Uint8Array>(array: T, make: (n: number) => T) => {
        const bigger = make(array.length * 2);
        bigger.set(array);
        return bigger;
      };
      startedAt = grow(startedAt, (n) => new Float64Array(n));
      durations = grow(durations, (n) => new Float64Array(n));
      kinds = grow(kinds, (n) => new Uint8Array(n));
    }
    startedAt[count] = performance.timeOrigin + entry.startTime;
    durations[count] = entry.duration;
    kinds[count] = (entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR ? 1 : 0;
    count++;
  }

  return {
    start() {
      observer ??= new PerformanceObserver((list) => list.getEntries().forEach(record));
      observer.observe({ entryTypes: ['gc'] });
    },
    stop() {
      observer?.disconnect();
    },
    /**
     * A full collection now, when the process runs with --expose-gc (the load test's start script
     * sets it): called between phases, so that the garbage one phase left (a verification reads
     * every customer of the run) is not collected inside the next phase's latencies. Returns its
     * duration in ms, or undefined without the flag.
     */
    collectNow(): number | undefined {
      const collect = (globalThis as { gc?: () => void }).gc;
      if (!collect) return undefined;
      const started = performance.now();
      collect();
      return performance.now() - started;
    },
    /** The collections that began between `from` and `to` (epoch ms, as Date.now()). */
    between(from: number, to: number): GcPauses {
      const pauses: GcPauses = { pauses: 0, major: 0, totalMs: 0, longestMs: 0 };
      for (let k = 0; k < count; k++) {
        if (startedAt[k]! < from || startedAt[k]! > to) continue;
        pauses.pauses++;
        pauses.major += kinds[k]!;
        pauses.totalMs += durations[k]!;
        pauses.longestMs = Math.max(pauses.longestMs, durations[k]!);
      }
      return pauses;
    },
  };
}
