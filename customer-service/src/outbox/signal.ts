/**
 * In-process wake-up of the relay: writers call notify() after each commit; the relay waits
 * for a notification or its fallback poll interval, whichever comes first.
 */
export interface OutboxSignal {
  notify(): void;
  wait(timeoutMs: number, abort: AbortSignal): Promise<void>;
}

export function createOutboxSignal(): OutboxSignal {
  let pending = false;
  let waiter: (() => void) | undefined;
  return {
    notify() {
      pending = true;
      waiter?.();
    },
    wait(timeoutMs, abort) {
      if (pending || abort.aborted) {
        pending = false;
        return Promise.resolve();
      }
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          abort.removeEventListener('abort', done);
          waiter = undefined;
          pending = false;
          resolve();
        };
        const timer = setTimeout(done, timeoutMs);
        abort.addEventListener('abort', done, { once: true });
        waiter = done;
      });
    },
  };
}
