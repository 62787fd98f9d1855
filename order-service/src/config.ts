import { loadConfig, serviceEnv, type ConfigOf } from '@demo/service-kit';
import Type from 'typebox';

export const Env = {
  ...serviceEnv({ port: 8081, database: 'order_db' }),
  /** How long POST /orders waits for a customer that is not in the replica yet. */
  READ_YOUR_WRITES_TIMEOUT_MS: Type.Integer({ default: 1_000, minimum: 0, maximum: 60_000 }),
  /** Most orders waiting at once for a customer the replica does not have yet; more are answered unknown at once. */
  READ_YOUR_WRITES_MAX_WAITERS: Type.Integer({ default: 10_000, minimum: 0, maximum: 100_000 }),
  /** Most stream messages applied in one replica transaction. */
  APPLY_BATCH_SIZE: Type.Integer({ default: 2000, minimum: 1, maximum: 10_000 }),
  /** The active instance steps down when its applied offset has not moved for this long while the stream grew. */
  APPLY_STALL_TIMEOUT_MS: Type.Integer({ default: 30_000, minimum: 1_000, maximum: 3_600_000 }),
  /**
   * customer-service's snapshot, loaded when the stream no longer holds the replica's history;
   * empty: never (an instance then only reports the gap).
   */
  CUSTOMER_SNAPSHOT_URL: Type.String({ default: 'http://127.0.0.1:8080/internal/snapshot', pattern: '^(https?://.*)?$' }),
  /** The token the snapshot route asks for (an operator's). */
  SNAPSHOT_TOKEN: Type.Optional(Type.String()),
};

export type Config = ConfigOf<typeof Env>;

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return loadConfig(Env, env);
}
