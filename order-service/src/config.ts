import { CommonEnv, loadConfig } from '@demo/service-kit';
import Type, { type Static } from 'typebox';

export const Env = {
  ...CommonEnv,
  PORT: Type.Integer({ default: 8081, minimum: 1, maximum: 65535 }),
  DATABASE_URL: Type.String({ default: 'postgres://app:app@127.0.0.1:5432/order_db', pattern: '^postgres(ql)?://' }),
  DATABASE_POOL_SIZE: Type.Integer({ default: 20, minimum: 1, maximum: 200 }),
  /** How long POST /orders waits for a customer that is not in the replica yet. */
  READ_YOUR_WRITES_TIMEOUT_MS: Type.Integer({ default: 1_000, minimum: 0, maximum: 60_000 }),
  /** Most stream messages applied in one replica transaction. */
  APPLY_BATCH_SIZE: Type.Integer({ default: 2000, minimum: 1, maximum: 10_000 }),
  /** The active instance steps down when its applied offset has not moved for this long while the stream grew. */
  APPLY_STALL_TIMEOUT_MS: Type.Integer({ default: 30_000, minimum: 1_000, maximum: 3_600_000 }),
};

export type Config = Static<ReturnType<typeof Type.Object<typeof Env>>>;

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return loadConfig(Env, env);
}
