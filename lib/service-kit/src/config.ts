import { envSchema } from 'env-schema';
import Type, { type Static, type TObject, type TProperties } from 'typebox';

/** Settings every service reads; services extend it with their own. */
export const CommonEnv = {
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')], {
    default: 'development',
  }),
  HOST: Type.String({ default: '0.0.0.0', minLength: 1 }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
    { default: 'info' },
  ),
  /** Name of this process in logs and metrics; defaults to service:port. */
  INSTANCE_ID: Type.Optional(Type.String({ minLength: 1 })),
  RABBITMQ_HOST: Type.String({ default: '127.0.0.1', minLength: 1 }),
  RABBITMQ_STREAM_PORT: Type.Integer({ default: 5552, minimum: 1, maximum: 65535 }),
  /** The nodes of a cluster, `host:port,host:port,...`; overrides RABBITMQ_HOST and RABBITMQ_STREAM_PORT. */
  RABBITMQ_HOSTS: Type.Optional(Type.String({ pattern: '^[^,:\\s]+(:\\d+)?(,[^,:\\s]+(:\\d+)?)*$' })),
  RABBITMQ_USER: Type.String({ default: 'guest', minLength: 1 }),
  RABBITMQ_PASSWORD: Type.String({ default: 'guest' }),
  RABBITMQ_VHOST: Type.String({ default: '/' }),
  RABBITMQ_MANAGEMENT_URL: Type.String({ default: 'http://127.0.0.1:15672', pattern: '^https?://' }),
  STREAM_NAME: Type.String({ default: 'customer', minLength: 1 }),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ default: 10_000, minimum: 100 }),
};

export class ConfigError extends Error {}

/**
 * Reads and validates the environment. A bad value throws a ConfigError naming the variable,
 * e.g. `PORT: must be integer`, which main() prints before exiting.
 */
export function loadConfig<P extends TProperties>(properties: P, env: NodeJS.ProcessEnv = process.env): Static<TObject<P>> {
  const schema = Type.Object(properties);
  try {
    return envSchema<Static<TObject<P>>>({ schema: schema as object, data: env, dotenv: false });
  } catch (error) {
    const message = (error as Error).message
      .split(',')
      .map((part) => part.trim().replace(/^env\/?/, '').replace(/^\//, ''))
      .join('; ');
    throw new ConfigError(`invalid configuration: ${message}`);
  }
}
