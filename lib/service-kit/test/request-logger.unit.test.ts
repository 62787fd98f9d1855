import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer, type HttpServer } from '../src/index.js';
import { createLogger, type Logger } from '../src/logger.js';

/** The services' logger at `level`, writing into `lines`, and the children pino made of it. */
function capturingLogger(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger({ service: 's', instance: 'i', level }, sink);
  const children = { made: 0 };
  // Counted on the root and inherited by every child (pino's children are made from their parent's prototype).
  const child = logger.child;
  logger.child = function (this: Logger, ...args: Parameters<Logger['child']>) {
    children.made++;
    return child.apply(this, args);
  } as Logger['child'];
  return { logger, lines, children };
}

describe('request loggers', () => {
  let app: HttpServer | undefined;
  afterEach(async () => app?.close());

  async function serverLogging(level: string) {
    const captured = capturingLogger(level);
    app = await createHttpServer({ logger: captured.logger, registry: new Registry(), title: 't', description: 't', version: '0' });
    app.get('/quiet', async () => ({ ok: true }));
    app.get('/talks', async (request) => {
      request.log.info({ customer_id: 'c-1' }, 'handled');
      request.log.child({ step: 'inner' }).warn('inner step');
      return { ok: true };
    });
    app.get('/debugs', async (request) => {
      request.log.debug('detail nobody asked for');
      return { ok: true };
    });
    return captured;
  }

  it('makes no child logger for requests that log nothing at an enabled level', async () => {
    const { children, lines } = await serverLogging('info');
    const made = children.made;
    for (let k = 0; k < 20; k++) expect((await app!.inject({ url: '/quiet' })).statusCode).toBe(200);
    for (let k = 0; k < 20; k++) expect((await app!.inject({ url: '/debugs' })).statusCode).toBe(200);
    expect(children.made).toBe(made);
    expect(lines.filter((line) => line.msg === 'detail nobody asked for')).toEqual([]);
  });

  it("writes a request's lines with its correlation id, and its children's too", async () => {
    const { lines } = await serverLogging('info');
    const response = await app!.inject({ url: '/talks', headers: { 'x-correlation-id': 'corr-42' } });
    expect(response.statusCode).toBe(200);
    const id = response.headers['x-correlation-id'];
    expect(id).toBeTruthy();
    const handled = lines.find((line) => line.msg === 'handled');
    expect(handled).toMatchObject({ correlation_id: id, customer_id: 'c-1', level: 30, service: 's' });
    expect(lines.find((line) => line.msg === 'inner step')).toMatchObject({ correlation_id: id, step: 'inner', level: 40 });
  });

  it("writes the debug lines when the service's level is debug", async () => {
    const { lines } = await serverLogging('debug');
    const response = await app!.inject({ url: '/debugs' });
    const line = lines.find((entry) => entry.msg === 'detail nobody asked for');
    expect(line).toMatchObject({ correlation_id: response.headers['x-correlation-id'], level: 20 });
    // and the request's own line (server.ts logs it at debug)
    expect(lines.find((entry) => entry.msg === 'request completed')).toMatchObject({ status: 200, url: '/debugs' });
  });
});
