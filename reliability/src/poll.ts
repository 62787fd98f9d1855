/** Waits for a condition by polling it, with a deadline: no fixed sleeps where a condition exists. */
export interface PollOptions {
  timeoutMs: number;
  intervalMs?: number;
  what: string;
}

export class PollTimeout extends Error {}

/** Resolves with the first truthy value of `check` (errors count as "not yet"); rejects at the deadline. */
export async function pollUntil<T>(check: () => Promise<T | undefined | false>, options: PollOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new PollTimeout(`timed out after ${options.timeoutMs} ms waiting for ${options.what}${why}`);
    }
    await delay(options.intervalMs ?? 100);
  }
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Milliseconds since `start`, rounded. */
export function since(start: number): number {
  return Math.round(performance.now() - start);
}
