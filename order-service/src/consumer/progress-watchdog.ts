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

/**
 * The instance's own offset store (every 5 s, lib/stream single-active-consumer) lands in the stream
 * as a tracking entry up to 5 s after its last progress: the tail's moves in this window after
 * progress are taken as the tail at progress, not as the stream growing (they made the active
 * instance of an idle stream step down 30 s after a burst of writes).
 */
const SETTLE_MS = 10_000;

export function createProgressWatchdog(stallMs: number, now: () => number = Date.now): ProgressWatchdog {
  const settleMs = Math.min(SETTLE_MS, stallMs / 2);
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
      if (now() - progressAt < settleMs) {
        tailAtProgress = tail;
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
