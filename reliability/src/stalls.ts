/**
 * When did a counter that moves under load stop moving, and when did it move again: the publish
 * stall (events confirmed by the broker) and the apply stall (offset applied to the replica)
 * around a fault. Pure.
 */
export interface Sample {
  /** performance.now() of the sample. */
  at: number;
  /** undefined when the sample could not be taken (the service did not answer). */
  value: number | undefined;
}

export interface Stall {
  /** The last sample at which the value had just moved before the stall (or the first sample). */
  from: number;
  /** The first sample at which it moved again; undefined when it never did. */
  to: number | undefined;
  ms: number;
}

/**
 * The longest interval without progress that ends after `after` (e.g. a fault's start): from the
 * sample where the value last moved before it, to the sample where it moved again. When the value
 * never moved after `after`, the stall is open (no `to`) and lasts until the last sample. Undefined
 * with fewer than two samples that have a value.
 */
export function longestStall(samples: readonly Sample[], after: number): Stall | undefined {
  const known = samples.filter((sample): sample is { at: number; value: number } => sample.value !== undefined);
  if (known.length < 2) return undefined;
  let moved = known[0]!.at;
  let longest: Stall | undefined;
  for (let i = 1; i < known.length; i++) {
    const { at, value } = known[i]!;
    if (value <= known[i - 1]!.value) continue;
    if (at > after && (!longest || at - moved > longest.ms)) longest = { from: moved, to: at, ms: at - moved };
    moved = at;
  }
  return longest ?? { from: moved, to: undefined, ms: known[known.length - 1]!.at - moved };
}

/** The time of the first sample after `from` whose value is above the last known value at or before `from`. */
export function firstMoveAfter(samples: readonly Sample[], from: number): number | undefined {
  let base: number | undefined;
  for (const sample of samples) {
    if (sample.value === undefined) continue;
    if (sample.at <= from) base = sample.value;
    else if (base === undefined) base = sample.value;
    else if (sample.value > base) return sample.at;
  }
  return undefined;
}

/** What a service's /ready named down at a sample (empty: ready). */
export interface ReadinessSample {
  at: number;
  down: readonly string[];
}

/**
 * How long a service was not ready from `from` on (the time between a sample that found it not
 * ready and the next sample), and what it named down meanwhile.
 */
export function unreadiness(samples: readonly ReadinessSample[], from: number): { ms: number; down: string[] } {
  let ms = 0;
  const down = new Set<string>();
  for (let i = 1; i < samples.length; i++) {
    const previous = samples[i - 1]!;
    if (previous.at < from || previous.down.length === 0) continue;
    ms += samples[i]!.at - previous.at;
    for (const check of previous.down) down.add(check);
  }
  return { ms, down: [...down].sort() };
}
