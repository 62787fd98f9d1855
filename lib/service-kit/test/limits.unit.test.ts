import { connect, type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, HttpEnv, loadConfig } from '../src/config.js';
import { createHttpServer, type HttpServer, type HttpServerSettings } from '../src/index.js';
import { addressList, isListed } from '../src/http/limits.js';

let current: HttpServer | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

async function start(settings: Partial<HttpServerSettings> = {}, listen = false, routes: (app: HttpServer) => void = () => undefined) {
  const app = await createHttpServer({
    logger: pino({ level: 'silent' }),
    registry: new Registry(),
    title: 't',
    description: 't',
    version: '0',
    settings,
  });
  app.get('/things', async () => ({ ok: true }));
  routes(app);
  current = app;
  if (listen) await app.listen({ host: '127.0.0.1', port: 0 });
  else await app.ready();
  return app;
}

/** Sends raw bytes on a socket and returns what came back until the server closed it (or `waitMs` passed). */
async function raw(app: HttpServer, bytes: string, waitMs = 5_000): Promise<{ text: string; ms: number }> {
  const { port } = app.server.address() as AddressInfo;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, ms: Date.now() - started });
    }, waitMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, ms: Date.now() - started });
    });
    socket.on('connect', () => socket.write(bytes));
    socket.on('error', reject);
  });
}

const bodyOf = (text: string) => JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as { error: string; message: string };

describe('rate limit per client address', () => {
  it('answers 429 rate_limited with Retry-After past RATE_LIMIT_PER_MINUTE, per address', async () => {
    const app = await start({ RATE_LIMIT_PER_MINUTE: 3 });
    const from = (remoteAddress: string) => app.inject({ url: '/things', remoteAddress });
    for (let i = 0; i < 3; i++) expect((await from('203.0.113.7')).statusCode).toBe(200);
    const refused = await from('203.0.113.7');
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toEqual({ error: 'rate_limited', message: expect.stringContaining('3 requests a minute') });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await from('203.0.113.8')).statusCode).toBe(200);
  });

  it('logs its refusals at debug only: a flood would otherwise flood the log', async () => {
    const lines: Array<{ level: number; msg: string }> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString('utf8')) as { level: number; msg: string });
        done();
      },
    });
    const app = await createHttpServer({ logger: pino({ level: 'info' }, sink), registry: new Registry(), title: 't', description: 't', version: '0', settings: { RATE_LIMIT_PER_MINUTE: 1 } });
    current = app;
    app.get('/things', async () => ({ ok: true }));
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await app.inject({ url: '/things', remoteAddress: '192.0.2.1' })).statusCode);
    expect(statuses).toEqual([200, 429, 429, 429, 429]);
    expect(lines.filter((line) => /more than 1 requests/.test(line.msg))).toEqual([]);
  });

  it('counts requests without a token on protected routes too', async () => {
    const app = await start({ RATE_LIMIT_PER_MINUTE: 2, OPERATOR_TOKEN: 'operator-token-0123456789' }, false, (server) =>
      server.get('/admin/x', { config: { auth: 'operator' } }, async () => ({})),
    );
    const from = (url: string) => app.inject({ url, remoteAddress: '198.51.100.1' });
    expect((await from('/admin/x')).statusCode).toBe(401);
    expect((await from('/admin/x')).statusCode).toBe(401);
    expect((await from('/admin/x')).statusCode).toBe(429);
    expect((await from('/things')).statusCode).toBe(429);
  });

  it('does not limit loopback by default (the load test, the host’s own tools)', async () => {
    const app = await start({ RATE_LIMIT_PER_MINUTE: 2 });
    for (const remoteAddress of ['127.0.0.1', '127.0.0.1', '127.0.0.1', '::1', '::ffff:127.0.0.1']) {
      expect((await app.inject({ url: '/things', remoteAddress })).statusCode).toBe(200);
    }
  });

  it('limits loopback too when RATE_LIMIT_ALLOW is empty, and exempts the networks it lists', async () => {
    const app = await start({ RATE_LIMIT_PER_MINUTE: 1, RATE_LIMIT_ALLOW: '10.0.0.0/8, 2001:db8::/32' });
    const from = (remoteAddress: string) => app.inject({ url: '/things', remoteAddress });
    expect((await from('127.0.0.1')).statusCode).toBe(200);
    expect((await from('127.0.0.1')).statusCode).toBe(429);
    for (const exempt of ['10.1.2.3', '10.1.2.3', '::ffff:10.9.9.9', '2001:db8::5', '2001:db8::5']) {
      expect((await from(exempt)).statusCode, exempt).toBe(200);
    }
  });

  it('refuses an allow list that is not addresses, naming the variable', () => {
    expect(() => addressList('10.0.0.0/33', 'RATE_LIMIT_ALLOW')).toThrow(ConfigError);
    expect(() => addressList('localhost', 'RATE_LIMIT_ALLOW')).toThrow(/RATE_LIMIT_ALLOW/);
    expect(isListed(addressList('', 'X'), '127.0.0.1')).toBe(false);
  });
});

describe('header limits', () => {
  it('answers 431 headers_too_large past HTTP_MAX_HEADERS headers', async () => {
    const app = await start({ HTTP_MAX_HEADERS: 20 }, true);
    const request = (extra: number) =>
      `GET /things HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${Array.from({ length: extra }, (_, i) => `x-h${i}: v\r\n`).join('')}\r\n`;
    expect((await raw(app, request(18))).text).toMatch(/^HTTP\/1.1 200/);
    const { text } = await raw(app, request(19));
    expect(text).toMatch(/^HTTP\/1.1 431/);
    expect(bodyOf(text).error).toBe('headers_too_large');
  });

  it('answers a header block over HTTP_MAX_HEADER_BYTES with a JSON 431 headers_too_large', async () => {
    const app = await start({ HTTP_MAX_HEADER_BYTES: 4_096 }, true);
    const { text } = await raw(app, `GET /things HTTP/1.1\r\nHost: x\r\nx-big: ${'a'.repeat(8_000)}\r\n\r\n`);
    expect(text).toMatch(/^HTTP\/1.1 431/);
    expect(bodyOf(text)).toEqual({ error: 'headers_too_large', message: expect.any(String) });
  });
});

describe('timeouts', () => {
  it('answers 408 request_timeout to a client that does not finish its headers in HTTP_HEADERS_TIMEOUT_MS', async () => {
    const app = await start({ HTTP_HEADERS_TIMEOUT_MS: 500, HTTP_REQUEST_TIMEOUT_MS: 1_000 }, true);
    const { text, ms } = await raw(app, 'GET /things HTTP/1.1\r\nHost: x\r\nx-slow: ');
    expect(text).toMatch(/^HTTP\/1.1 408/);
    expect(bodyOf(text).error).toBe('request_timeout');
    expect(ms).toBeGreaterThanOrEqual(450);
    expect(ms).toBeLessThan(2_500);
  });

  it('sets every timeout and size on the server from the settings', async () => {
    const app = await start({
      HTTP_HEADERS_TIMEOUT_MS: 7_000,
      HTTP_REQUEST_TIMEOUT_MS: 8_000,
      HTTP_KEEP_ALIVE_TIMEOUT_MS: 9_000,
      HTTP_CONNECTION_TIMEOUT_MS: 11_000,
      HTTP_MAX_HEADER_BYTES: 12_000,
      HTTP_MAX_HEADERS: 50,
    });
    expect(app.server).toMatchObject({
      headersTimeout: 7_000,
      requestTimeout: 8_000,
      keepAliveTimeout: 9_000,
      timeout: 11_000,
      maxHeaderSize: 12_000,
      maxHeadersCount: 50,
    });
  });

  it('has defaults that bound every client', () => {
    expect(loadConfig(HttpEnv, {})).toEqual({
      HTTP_HEADERS_TIMEOUT_MS: 10_000,
      HTTP_REQUEST_TIMEOUT_MS: 30_000,
      HTTP_KEEP_ALIVE_TIMEOUT_MS: 72_000,
      HTTP_CONNECTION_TIMEOUT_MS: 120_000,
      HTTP_MAX_HEADER_BYTES: 16_384,
      HTTP_MAX_HEADERS: 100,
      RATE_LIMIT_PER_MINUTE: 6_000,
      RATE_LIMIT_ALLOW: '127.0.0.0/8,::1',
    });
  });

  it('refuses a headers timeout longer than the request timeout', async () => {
    await expect(start({ HTTP_HEADERS_TIMEOUT_MS: 5_000, HTTP_REQUEST_TIMEOUT_MS: 1_000 })).rejects.toThrow(/HTTP_HEADERS_TIMEOUT_MS/);
  });
});
