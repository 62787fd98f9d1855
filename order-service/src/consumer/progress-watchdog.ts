/**
 * Tells when the active instance has stopped making progress: its applied offset has not moved for
 * `stallMs` although the stream grew meanwhile. (The stream's tail alone is not enough: an idle
 * stream's last chunk can be an offset-tracking entry past the last applied message.)
 */
export interface ProgressWatchdog {
  /** A sample, taken while active: true when stalled (the caller steps down, then calls reset). */
  stalled(tail: bigint, applied: bigint | null): boolean;
  /** Starts over (a new role or subscription). */
  reset(): void;
}

export function createProgressWatchdog(stallMs: number, now: () => number = Date.now): ProgressWatchdog {
  let lastApplied: bigint | null | undefined;
  let tailAtProgress: bigint | undefined;
  let progressAt = now();
  return {
    stalled(tail, applied) {
      if (lastApplied === undefined || applied !== lastApplied || tailAtProgress === undefined) {
        lastApplied = applied;
        tailAtProgress = tail;
        progressAt = now();
        return false;
      }
      return tail > tailAtProgress && now() - progressAt >= stallMs;
    },
    reset() {
      lastApplied = undefined;
      tailAtProgress = undefined;
      progressAt = now();
    },
  };
}
