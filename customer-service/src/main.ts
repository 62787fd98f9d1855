import { ConfigError, createLogger, handleShutdown, wantsPrettyLogs } from '@demo/service-kit';
import { buildApp } from './app.js';
import { readConfig } from './config.js';

async function main() {
  let config;
  try {
    config = readConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`customer-service: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const instance = config.INSTANCE_ID ?? `customer-service:${config.PORT}`;
  const logger = createLogger({ service: 'customer-service', instance, level: config.LOG_LEVEL, pretty: wantsPrettyLogs(config.NODE_ENV) });
  const { http } = await buildApp({ config, logger });
  // http.close(): stop accepting, finish in-flight requests, then (onClose) relay, stream, pool.
  handleShutdown(logger, [{ name: 'http, relay, stream, database', run: () => http.close() }], config.SHUTDOWN_TIMEOUT_MS);
  await http.listen({ port: config.PORT, host: config.HOST });
}

main().catch((error: unknown) => {
  console.error('customer-service failed to start:', error);
  process.exit(1);
});
