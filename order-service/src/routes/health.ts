import type { HttpServer } from '@demo/service-kit';
import Type from 'typebox';

export async function healthRoutes(app: HttpServer) {
  app.get(
    '/health',
    { schema: { tags: ['health'], response: { 200: Type.Object({ status: Type.Literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/ready',
    { schema: { tags: ['health'], response: { 200: Type.Object({ status: Type.Literal('ready') }) } } },
    async () => ({ status: 'ready' as const }),
  );
}
