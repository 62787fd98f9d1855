export interface EventuallyOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Said in the failure message: what was awaited. */
  what?: string;
}

/**
 * Re-runs `check` until it stops throwing (e.g. its `expect`s pass) and returns its value; after the
 * deadline, fails with the last error. The way to await a condition of the running system: no sleeps.
 */
export async function eventually<T>(check: () => T | Promise<T>, options: EventuallyOptions = {}): Promise<T> {
  const { timeoutMs = 10_000, intervalMs = 50, what = 'condition' } = options;
  const deadline = Date.now() + timeoutMs;
  let attempts = 0;
  for (;;) {
    attempts++;
    try {
      return await check();
    } catch (error) {
      if (Date.now() >= deadline) {
        const reason = error instanceof Error ? error.message : String(error);
        const failure = new Error(`${what}: not reached within ${timeoutMs} ms (${attempts} attempts); last failure: ${reason}`);
        failure.cause = error;
        throw failure;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Milliseconds since `start` (performance.now()), rounded. */
export function elapsedMs(start: number): number {
  return Math.round(performance.now() - start);
}
