import type { HttpServer } from '@demo/service-kit';
import type { RouteContext } from '../context.js';
import { Health, NotReady, Readiness } from '../schemas/health.js';

export async function healthRoutes(app: HttpServer, { context }: { context: RouteContext }) {
  function consumer() {
    const { role, appliedOffset } = context.consumerStatus();
    return { role, applied_offset: appliedOffset === null ? null : appliedOffset.toString() };
  }

  app.get(
    '/health',
    { schema: { tags: ['health'], summary: 'The process lives', response: { 200: Health } } },
    async () => ({ status: 'ok' as const, ...consumer() }),
  );

  app.get(
    '/ready',
    {
      schema: {
        tags: ['health'],
        summary: 'PostgreSQL and the stream are reachable',
        response: { 200: Readiness, 503: NotReady },
      },
    },
    async (_request, reply) => {
      const database = (await context.databaseReachable()) ? ('up' as const) : ('down' as const);
      const stream = context.streamConnected() ? ('up' as const) : ('down' as const);
      const checks = { database, stream };
      if (database === 'up' && stream === 'up') return { status: 'ready' as const, checks, ...consumer() };
      const down = Object.entries(checks)
        .filter(([, state]) => state === 'down')
        .map(([name]) => name);
      return reply.status(503).send({
        error: 'not_ready' as const,
        message: `not reachable: ${down.join(', ')}`,
        status: 'not_ready' as const,
        checks,
        ...consumer(),
      });
    },
  );
}
