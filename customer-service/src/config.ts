import { loadConfig, serviceEnv, type ConfigOf } from '@demo/service-kit';
import Type from 'typebox';

export const Env = {
  ...serviceEnv({ port: 8080, database: 'customer_db' }),
  /** Most outbox rows the relay publishes per cycle. */
  OUTBOX_BATCH_SIZE: Type.Integer({ default: 1000, minimum: 1, maximum: 10_000 }),
  /** Fallback poll of the outbox, for rows committed by other instances (own commits wake the relay at once). */
  OUTBOX_POLL_MS: Type.Integer({ default: 200, minimum: 10, maximum: 60_000 }),
  /** How often a standby instance tries to become the relay. */
  RELAY_LOCK_RETRY_MS: Type.Integer({ default: 1000, minimum: 50, maximum: 60_000 }),
  /** A stored Idempotency-Key is forgotten after this: reusable, and deleted by the cleanup. */
  IDEMPOTENCY_KEY_TTL_HOURS: Type.Integer({ default: 24, minimum: 1, maximum: 8_760 }),
  /** How often each instance deletes expired Idempotency-Keys. */
  IDEMPOTENCY_CLEANUP_INTERVAL_MS: Type.Integer({ default: 600_000, minimum: 1_000, maximum: 86_400_000 }),
  /** Most expired keys one DELETE removes; a cleanup runs at most 100 of them, the rest waits for the next. */
  IDEMPOTENCY_CLEANUP_BATCH_SIZE: Type.Integer({ default: 1_000, minimum: 1, maximum: 100_000 }),
};

export type Config = ConfigOf<typeof Env>;

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return loadConfig(Env, env);
}
