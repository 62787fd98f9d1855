import Type, { type TProperties, type TSchema } from 'typebox';
import type { HttpServer } from './server.js';

export type CheckState = 'up' | 'down';

export interface HealthOptions<D extends TProperties> {
  /** What must be up for this instance to take traffic, each answering up or down. */
  checks: Record<string, () => CheckState | Promise<CheckState>>;
  /** What the instance is doing (its role, its position): in both answers, documented by `detailsSchema`. */
  details: () => Record<string, unknown>;
  detailsSchema: D;
}

const Check = Type.Union([Type.Literal('up'), Type.Literal('down')]);

/**
 * GET /health (the process lives: always 200) and GET /ready (200 when every check is up, else 503
 * naming what is down), the same vocabulary in every service.
 */
export async function healthRoutes<D extends TProperties>(app: HttpServer, options: HealthOptions<D>) {
  const names = Object.keys(options.checks);
  const Checks = Type.Object(Object.fromEntries(names.map((name) => [name, Check])));
  // Widened to TSchema: the details differ per service, so the handlers are not typed by them.
  const Health: TSchema = Type.Object({ status: Type.Literal('ok'), ...options.detailsSchema });
  const Ready: TSchema = Type.Object({ status: Type.Literal('ready'), checks: Checks, ...options.detailsSchema });
  const NotReady: TSchema = Type.Object({
    error: Type.Literal('not_ready'),
    message: Type.String(),
    status: Type.Literal('not_ready'),
    checks: Checks,
    ...options.detailsSchema,
  });

  app.get(
    '/health',
    {
      schema: {
        tags: ['health'],
        summary: 'The process lives',
        response: { 200: Health },
      },
    },
    async () => ({ status: 'ok' as const, ...options.details() }),
  );

  app.get(
    '/ready',
    {
      schema: {
        tags: ['health'],
        summary: `Ready to take traffic: ${names.join(', ')} up (503 names what is down)`,
        response: { 200: Ready, 503: NotReady },
      },
    },
    async (_request, reply) => {
      const states = await Promise.all(names.map(async (name) => [name, await options.checks[name]!()] as const));
      const checks = Object.fromEntries(states);
      const down = states.filter(([, state]) => state === 'down').map(([name]) => name);
      if (down.length === 0) return reply.send({ status: 'ready', checks, ...options.details() });
      return reply.status(503).send({
        error: 'not_ready',
        message: `down: ${down.join(', ')}`,
        status: 'not_ready',
        checks,
        ...options.details(),
      });
    },
  );
}
