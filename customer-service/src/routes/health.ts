import type { HttpServer } from '@demo/service-kit';
import type { StreamConnection } from '@demo/stream';
import { sql, type Kysely } from 'kysely';
import Type from 'typebox';
import type { Database } from '../db/schema.js';
import type { Relay } from '../outbox/relay.js';

const Check = Type.Union([Type.Literal('ok'), Type.Literal('down')]);
const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]),
  checks: Type.Object({ database: Check, stream: Check }),
  relay: Type.Union([Type.Literal('active'), Type.Literal('standby')], {
    description: 'whether this instance is the one publishing the outbox',
  }),
});

export async function healthRoutes(
  app: HttpServer,
  options: { db: Kysely<Database>; connection: StreamConnection; relay: Relay },
) {
  app.get(
    '/health',
    {
      schema: {
        tags: ['health'],
        summary: 'The process lives',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/ready',
    {
      schema: {
        tags: ['health'],
        summary: 'PostgreSQL and the stream are reachable (503 names the one that is not)',
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (_request, reply) => {
      const database = await sql`SELECT 1`
        .execute(options.db)
        .then(() => 'ok' as const)
        .catch(() => 'down' as const);
      const stream = options.connection.isConnected ? ('ok' as const) : ('down' as const);
      const ready = database === 'ok' && stream === 'ok';
      return reply
        .status(ready ? 200 : 503)
        .send({ status: ready ? 'ready' : 'not_ready', checks: { database, stream }, relay: options.relay.role });
    },
  );
}
