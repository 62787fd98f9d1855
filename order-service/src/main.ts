import { ConfigError, createLogger, handleShutdown, wantsPrettyLogs } from '@demo/service-kit';
import { UnsupportedBrokerError } from '@demo/stream';
import { buildApp } from './app.js';
import { readConfig, type Config } from './config.js';

async function main() {
  let config: Config;
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
  const service = await buildApp({ config, logger, instance });
  handleShutdown(logger, service.shutdownSteps(), config.SHUTDOWN_TIMEOUT_MS);
  service.start();
  // A broker without single active consumer for streams (< 3.11) cannot work: refuse in one line.
  service.stream.ready().catch((error: unknown) => {
    if (error instanceof UnsupportedBrokerError) {
      console.error(`order-service: ${error.message}`);
      process.exit(1);
    }
  });
  await service.app.listen({ port: config.PORT, host: config.HOST });
}

main().catch((error: unknown) => {
  console.error('order-service failed to start:', error);
  process.exit(1);
});
