import { errorMessage } from '@demo/async';
import { ConfigError } from './config.js';
import type { HttpServer } from './http/server.js';
import { createLogger, wantsPrettyLogs, type Logger } from './logger.js';
import { handleShutdown, type ShutdownStep } from './shutdown.js';

/** The settings runService reads; every service's config has them (CommonEnv plus PORT). */
export interface RunnableConfig {
  PORT: number;
  HOST: string;
  LOG_LEVEL: string;
  NODE_ENV: string;
  INSTANCE_ID?: string | undefined;
  SHUTDOWN_TIMEOUT_MS: number;
}

/** What a service's composition root hands back to runService. */
export interface RunningService {
  http: HttpServer;
  /** Starts the background work (relay, consumer, ...), once the service is composed. */
  start(): void;
  /** Run in order on SIGTERM/SIGINT, the HTTP server first. */
  shutdownSteps: ShutdownStep[];
  /** Rejects when the service cannot work at all (e.g. a broker too old): the process exits 1. */
  fatal?: Promise<unknown>;
}

/**
 * The whole of a service's main(): read the configuration (a bad value exits 2 with one line
 * naming the variable), make the logger, compose the service, shut it down in order on a signal,
 * start it and listen. Any failure to start exits 1.
 */
export function runService<C extends RunnableConfig>(
  service: string,
  readConfig: () => C,
  compose: (config: C, logger: Logger, instance: string) => Promise<RunningService>,
): void {
  void (async () => {
    let config: C;
    try {
      config = readConfig();
    } catch (error) {
      if (error instanceof ConfigError) {
        console.error(`${service}: ${error.message}`);
        process.exit(2);
      }
      throw error;
    }
    const instance = config.INSTANCE_ID ?? `${service}:${config.PORT}`;
    const logger = createLogger({ service, instance, level: config.LOG_LEVEL, pretty: wantsPrettyLogs(config.NODE_ENV) });
    keepAliveOnNetworkErrors(logger);
    const running = await compose(config, logger, instance);
    handleShutdown(logger, running.shutdownSteps, config.SHUTDOWN_TIMEOUT_MS);
    running.fatal?.catch((error: unknown) => {
      console.error(`${service}: ${errorMessage(error)}`);
      process.exit(1);
    });
    running.start();
    await running.http.listen({ port: config.PORT, host: config.HOST });
  })().catch((error: unknown) => {
    console.error(`${service} failed to start:`, error);
    process.exit(1);
  });
}

/** Errors of a socket that the peer closed or reset: the connection is replaced where it is used. */
const NETWORK_ERRORS = new Set(['ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ETIMEDOUT', 'ERR_STREAM_WRITE_AFTER_END', 'ERR_STREAM_DESTROYED']);

/**
 * A library that forgets to catch a failed write to a dead socket (the stream client did, on a
 * broker node's death) must not end the process: such a rejection is logged and the process goes
 * on (the connection it belonged to is replaced by its owner). Any other unhandled rejection still
 * ends the process, as Node does by default.
 */
function keepAliveOnNetworkErrors(logger: Logger) {
  process.on('unhandledRejection', (reason) => {
    const code = (reason as { code?: unknown } | undefined)?.code;
    if (typeof code === 'string' && NETWORK_ERRORS.has(code)) {
      logger.warn({ err: errorMessage(reason), code }, 'a network operation failed without a handler; its connection is replaced');
      return;
    }
    logger.fatal({ err: reason }, 'unhandled rejection');
    logger.flush?.();
    process.exit(1);
  });
}
