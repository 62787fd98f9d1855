import { CommonEnv, loadConfig } from '@demo/service-kit';
import Type, { type Static } from 'typebox';

export const Env = {
  ...CommonEnv,
  PORT: Type.Integer({ default: 8080, minimum: 1, maximum: 65535 }),
  DATABASE_URL: Type.String({ default: 'postgres://app:app@127.0.0.1:5432/customer_db', pattern: '^postgres(ql)?://' }),
  DATABASE_POOL_SIZE: Type.Integer({ default: 20, minimum: 1, maximum: 200 }),
  /** Most outbox rows the relay publishes per cycle. */
  OUTBOX_BATCH_SIZE: Type.Integer({ default: 1000, minimum: 1, maximum: 10_000 }),
  /** Fallback poll of the outbox, for rows committed by other instances (own commits wake the relay at once). */
  OUTBOX_POLL_MS: Type.Integer({ default: 200, minimum: 10, maximum: 60_000 }),
  /** How often a standby instance tries to become the relay. */
  RELAY_LOCK_RETRY_MS: Type.Integer({ default: 1000, minimum: 50, maximum: 60_000 }),
};

export type Config = Static<ReturnType<typeof Type.Object<typeof Env>>>;

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return loadConfig(Env, env);
}
