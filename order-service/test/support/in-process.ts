import { createLogger } from '@demo/service-kit';
import { buildApp, type OrderService } from '../../src/app.js';
import { readConfig } from '../../src/config.js';

/** order-service in this process (for app.inject), on its own database and stream. */
export async function startInProcess(env: Record<string, string>): Promise<OrderService> {
  const config = readConfig({ ...process.env, NODE_ENV: 'test', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error', ...env });
  const logger = createLogger({ service: 'order-service', instance: 'test', level: config.LOG_LEVEL });
  const service = await buildApp({ config, logger, instance: 'test' });
  service.start();
  return service;
}
