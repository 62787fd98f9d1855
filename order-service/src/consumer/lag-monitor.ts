import { errorMessage } from '@demo/async';
import { streamTail, type StreamConnection } from '@demo/stream';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.js';
import type { ReplicaStatus } from './replica-sync.js';

/**
 * Every interval, on the active instance: stream_consumer_lag_events = stream tail − applied
 * offset. The broker reports the first offset of its last chunk, so this is a slight underestimate.
 */
export function startLagMonitor(options: {
  connection: StreamConnection;
  stream: string;
  status(): ReplicaStatus;
  metrics: Metrics;
  logger: Logger;
  intervalMs?: number;
  /** Each sample taken while active: the stream's tail and the applied offset. */
  onSample?(tail: bigint, applied: bigint | null): void;
}): () => void {
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    if (options.status().role !== 'active' || !options.connection.isConnected) {
      options.metrics.consumerLag.set({ partition: options.stream }, 0);
      return;
    }
    busy = true;
    void options.connection
      .ready()
      .then((client) => streamTail(client, options.stream))
      .then((tail) => {
        const applied = options.status().appliedOffset;
        const lag = tail < 0n ? 0n : applied === null ? tail + 1n : tail - applied;
        options.metrics.consumerLag.set({ partition: options.stream }, Number(lag > 0n ? lag : 0n));
        if (options.status().role === 'active') options.onSample?.(tail, applied);
      })
      .catch((error: unknown) => options.logger.debug({ err: errorMessage(error) }, 'reading the stream tail failed'))
      .finally(() => {
        busy = false;
      });
  }, options.intervalMs ?? 1_000);
  timer.unref();
  return () => clearInterval(timer);
}
