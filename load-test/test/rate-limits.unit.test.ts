import { createHttpServer, type HttpServer } from '@demo/service-kit';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { describeRateLimits, rateLimitOf } from '../src/services.js';

let servers: HttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()));
  servers = [];
});

/** The services' own HTTP server (service-kit), with its rate limit settings. */
async function service(settings: { RATE_LIMIT_PER_MINUTE: number; RATE_LIMIT_ALLOW: string }): Promise<string> {
  const app = await createHttpServer({ logger: pino({ level: 'silent' }), registry: new Registry(), title: 't', description: 't', version: '0', settings });
  app.get('/health', async () => ({ status: 'ok' }));
  servers.push(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

describe('the rate limit a service applies to the load generator', () => {
  it('is read from the answer: a limit, none for an allow-listed address, unknown when nothing answers', async () => {
    const limited = await service({ RATE_LIMIT_PER_MINUTE: 1234, RATE_LIMIT_ALLOW: '' });
    const exempt = await service({ RATE_LIMIT_PER_MINUTE: 1234, RATE_LIMIT_ALLOW: '127.0.0.0/8' });

    const limits = [
      { name: 'customer', limit: await rateLimitOf(limited) },
      { name: 'order-1', limit: await rateLimitOf(exempt) },
      { name: 'order-2', limit: await rateLimitOf('http://127.0.0.1:1', 500) },
    ];

    expect(limits.map((entry) => entry.limit)).toEqual([1234, undefined, null]);
    expect(describeRateLimits(limits)).toBe('customer 1234 requests/min, order-1 none (address allow-listed), order-2 unknown (no answer)');
  });
});
