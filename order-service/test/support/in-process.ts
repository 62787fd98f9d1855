import { createLogger, runSteps, type HttpServer } from '@demo/service-kit';
import { buildApp } from '../../src/app.js';
import { readConfig } from '../../src/config.js';

export interface InProcessService {
  /** For inject(). */
  http: HttpServer;
  /** Runs the service's shutdown steps. */
  close(): Promise<void>;
}

/** order-service in this process (for inject), on the database and stream `env` names. */
export async function startInProcess(env: Record<string, string>): Promise<InProcessService> {
  const config = readConfig({ ...process.env, NODE_ENV: 'test', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error', ...env });
  const logger = createLogger({ service: 'order-service', instance: 'test', level: config.LOG_LEVEL });
  const service = await buildApp(config, logger, 'test');
  service.start();
  return {
    http: service.http,
    close: async () => void (await runSteps(logger, service.shutdownSteps, config.SHUTDOWN_TIMEOUT_MS)),
  };
}
