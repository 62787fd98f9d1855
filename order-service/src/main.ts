import { ConfigError, createLogger, handleShutdown, wantsPrettyLogs } from '@demo/service-kit';
import { buildApp } from './app.js';
import { readConfig } from './config.js';

async function main() {
  let config;
  try {
    config = readConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`order-service: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const instance = config.INSTANCE_ID ?? `order-service:${config.PORT}`;
  const logger = createLogger({ service: 'order-service', instance, level: config.LOG_LEVEL, pretty: wantsPrettyLogs(config.NODE_ENV) });
  const app = await buildApp({ logger });
  handleShutdown(logger, [{ name: 'http', run: () => app.close() }], config.SHUTDOWN_TIMEOUT_MS);
  await app.listen({ port: config.PORT, host: config.HOST });
}

main().catch((error: unknown) => {
  console.error('order-service failed to start:', error);
  process.exit(1);
});
