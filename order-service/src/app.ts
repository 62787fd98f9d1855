import { createHttpServer, type Logger } from '@demo/service-kit';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { healthRoutes } from './routes/health.js';

export interface AppDeps {
  logger: Logger;
}

/** Composition root: everything the service is made of, registered in order. */
export async function buildApp({ logger }: AppDeps) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const app = await createHttpServer({
    logger,
    registry,
    title: 'order-service',
    description: 'order-service API',
    version: '0.1.0',
  });
  await app.register(healthRoutes);
  return app;
}
