/**
 * Polls `check` until it returns something truthy and returns that; fails naming `what` (and the
 * last error `check` threw) after `timeoutMs`.
 */
export async function until<T>(check: () => T | Promise<T>, timeoutMs = 10_000, what = 'condition', intervalMs = 20): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`${what} not reached within ${timeoutMs} ms${last ? ` (last error: ${String(last)})` : ''}`);
}
