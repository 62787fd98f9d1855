import type { Logger } from 'pino';

export interface ShutdownStep {
  name: string;
  run(): Promise<unknown>;
}

/**
 * On SIGTERM or SIGINT, runs the steps in order (each bounded by what is left of timeoutMs),
 * logs each, and exits: 0 when all finished, 1 otherwise. A second signal exits at once.
 */
export function handleShutdown(logger: Logger, steps: ShutdownStep[], timeoutMs: number): void {
  let shuttingDown = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    shuttingDown = true;
    logger.info({ signal }, 'shutting down');
    void runSteps(logger, steps, timeoutMs).then((ok) => {
      logger.info({ ok }, 'shutdown complete');
      logger.flush?.();
      process.exit(ok ? 0 : 1);
    });
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

export async function runSteps(logger: Logger, steps: ShutdownStep[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let ok = true;
  for (const step of steps) {
    const left = Math.max(100, deadline - Date.now());
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        step.run(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${left} ms`)), left);
        }),
      ]);
      logger.info({ step: step.name }, 'shutdown step done');
    } catch (error) {
      ok = false;
      logger.error({ step: step.name, err: error }, 'shutdown step failed');
    } finally {
      clearTimeout(timer);
    }
  }
  return ok;
}
