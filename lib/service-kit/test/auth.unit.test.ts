import { Writable } from 'node:stream';
import pino from 'pino';
import { Registry } from 'prom-client';
import { Type } from 'typebox';
import { afterEach, describe, expect, it } from 'vitest';
import { AuthEnv, ConfigError, loadConfig } from '../src/config.js';
import { createHttpServer, type HttpServer, type HttpServerSettings } from '../src/index.js';

const OPERATOR = 'operator-token-0123456789abcdef';
const READER = 'reader-token-0123456789abcdef';
const METRICS = 'metrics-token-0123456789abcdef';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A server with one route per scope, one open route, and the log lines it wrote. */
async function serverWith(settings: Partial<HttpServerSettings>) {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  const app = await createHttpServer({
    logger: pino({ level: 'info' }, sink),
    registry: new Registry(),
    title: 'test-service',
    description: 't',
    version: '0',
    settings,
  });
  app.get('/admin/things', { config: { auth: 'operator' }, schema: { querystring: Type.Object({ limit: Type.Optional(Type.Integer()) }) } }, async () => ({ ok: 'admin' }));
  app.get('/things', { config: { auth: 'reader' } }, async () => ({ ok: 'list' }));
  app.get('/internal/snapshot', async () => ({ ok: 'snapshot' }));
  app.get('/administration', async () => ({ ok: 'not an operator path' }));
  app.get('/things/:id', async (request) => ({ ok: 'open', client: request.credentials.kind === 'valid' ? request.credentials.client : null }));
  await app.ready();
  return { app, lines };
}

let current: HttpServer | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

async function start(settings: Partial<HttpServerSettings>) {
  const server = await serverWith(settings);
  current = server.app;
  return server;
}

describe('bearer tokens by scope', () => {
  const all = { OPERATOR_TOKEN: OPERATOR, READER_TOKEN: READER };

  it.each([
    ['GET /admin/things', '/admin/things', OPERATOR, READER],
    ['GET /things', '/things', READER, OPERATOR],
  ])('%s: 401 without a token, 401 with a wrong one, 403 with another scope’s, 200 with its own', async (_route, url, right, otherScope) => {
    const { app } = await start(all);

    const missing = await app.inject({ url });
    expect(missing.statusCode).toBe(401);
    expect(missing.json()).toEqual({ error: 'unauthorized', message: expect.stringContaining('bearer token') });
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="test-service"');

    const wrong = await app.inject({ url, headers: bearer('not-a-token-of-this-service') });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error).toBe('unauthorized');
    expect(wrong.headers['www-authenticate']).toBe('Bearer realm="test-service", error="invalid_token"');

    const forbidden = await app.inject({ url, headers: bearer(otherScope) });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json()).toEqual({ error: 'forbidden', message: expect.any(String) });
    expect(forbidden.headers['www-authenticate']).toContain('error="insufficient_scope"');

    const allowed = await app.inject({ url, headers: bearer(right) });
    expect(allowed.statusCode).toBe(200);
  });

  it('takes the scheme in any case and refuses other schemes', async () => {
    const { app } = await start(all);
    expect((await app.inject({ url: '/admin/things', headers: { authorization: `bearer ${OPERATOR}` } })).statusCode).toBe(200);
    expect((await app.inject({ url: '/admin/things', headers: { authorization: `Basic ${OPERATOR}` } })).statusCode).toBe(401);
    expect((await app.inject({ url: '/admin/things', headers: { authorization: `Bearer ${OPERATOR}x` } })).statusCode).toBe(401);
    expect((await app.inject({ url: '/admin/things', headers: { authorization: OPERATOR } })).statusCode).toBe(401);
  });

  it('makes routes under /admin, /internal and /replica operator routes even when they do not say so', async () => {
    const { app } = await start(all);
    expect((await app.inject({ url: '/internal/snapshot' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/internal/snapshot', headers: bearer(READER) })).statusCode).toBe(403);
    expect((await app.inject({ url: '/internal/snapshot', headers: bearer(OPERATOR) })).statusCode).toBe(200);
    expect((await app.inject({ url: '/administration' })).statusCode).toBe(200);
  });

  it('checks the token before the request is validated', async () => {
    const { app } = await start(all);
    expect((await app.inject({ url: '/admin/things?limit=abc' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/admin/things?limit=abc', headers: bearer(OPERATOR) })).statusCode).toBe(400);
  });

  it('guards HEAD like GET', async () => {
    const { app } = await start(all);
    expect((await app.inject({ method: 'HEAD', url: '/admin/things' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'HEAD', url: '/admin/things', headers: bearer(OPERATOR) })).statusCode).toBe(200);
  });

  it('locks the routes of a scope whose token is unset: 401 to everyone, whatever they send', async () => {
    const { app } = await start({ READER_TOKEN: READER });
    const response = await app.inject({ url: '/admin/things', headers: bearer(READER) });
    expect(response.statusCode).toBe(401);
    expect(response.json().message).toContain('OPERATOR_TOKEN is not set');
    expect((await app.inject({ url: '/admin/things', headers: bearer(OPERATOR) })).statusCode).toBe(401);
    expect((await app.inject({ url: '/things', headers: bearer(READER) })).statusCode).toBe(200);
  });

  it('grants both scopes to a token that two variables hold', async () => {
    const { app } = await start({ OPERATOR_TOKEN: OPERATOR, READER_TOKEN: OPERATOR });
    expect((await app.inject({ url: '/admin/things', headers: bearer(OPERATOR) })).statusCode).toBe(200);
    expect((await app.inject({ url: '/things', headers: bearer(OPERATOR) })).statusCode).toBe(200);
  });

  it('leaves open routes open, and tells them who a known client is', async () => {
    const { app } = await start(all);
    expect((await app.inject({ url: '/things/1' })).json()).toEqual({ ok: 'open', client: null });
    expect((await app.inject({ url: '/things/1', headers: bearer('unknown-token-0123456789') })).json()).toEqual({ ok: 'open', client: null });
    expect((await app.inject({ url: '/things/1', headers: bearer(READER) })).json()).toEqual({ ok: 'open', client: 'reader' });
    expect((await app.inject({ url: '/health-of-nothing' })).statusCode).toBe(404);
  });

  it('says at start, in one line, which routes are locked', async () => {
    const { lines } = await start({ READER_TOKEN: READER });
    const said = lines.filter((line) => Array.isArray(line.protected));
    expect(said).toHaveLength(1);
    expect(said[0]).toMatchObject({ level: 40, locked: ['GET /admin/things', 'GET /internal/snapshot'], unset: ['OPERATOR_TOKEN'] });
    expect(said[0]!.protected).toEqual(['GET /admin/things', 'GET /things', 'GET /internal/snapshot']);
  });

  it('says so at info when nothing is locked', async () => {
    const { lines } = await start(all);
    expect(lines.filter((line) => Array.isArray(line.protected))).toEqual([
      expect.objectContaining({ level: 30, protected: ['GET /admin/things', 'GET /things', 'GET /internal/snapshot'] }),
    ]);
  });

  it('documents the schemes and which routes need them in the OpenAPI document', async () => {
    const { app } = await start(all);
    const doc = (await app.inject({ url: '/docs/json' })).json();
    expect(Object.keys(doc.components.securitySchemes)).toEqual(['operatorToken', 'readerToken', 'metricsToken']);
    expect(doc.components.securitySchemes.operatorToken).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/admin/things'].get.security).toEqual([{ operatorToken: [] }]);
    expect(Object.keys(doc.paths['/admin/things'].get.responses)).toEqual(expect.arrayContaining(['401', '403']));
    expect(doc.paths['/things'].get.security).toEqual([{ readerToken: [] }]);
    expect(doc.paths['/things/{id}'].get.security).toBeUndefined();
  });
});

describe('GET /metrics', () => {
  it('is open when METRICS_TOKEN is unset', async () => {
    const { app } = await start({});
    expect((await app.inject({ url: '/metrics' })).statusCode).toBe(200);
  });

  it('needs METRICS_TOKEN when it is set', async () => {
    const { app } = await start({ METRICS_TOKEN: METRICS, OPERATOR_TOKEN: OPERATOR });
    expect((await app.inject({ url: '/metrics' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/metrics', headers: bearer('wrong-token-0123456789abc') })).statusCode).toBe(401);
    expect((await app.inject({ url: '/metrics', headers: bearer(OPERATOR) })).statusCode).toBe(403);
    expect((await app.inject({ url: '/metrics', headers: bearer(METRICS) })).statusCode).toBe(200);
  });
});

describe('AuthEnv', () => {
  it('leaves every token unset by default', () => {
    expect(loadConfig(AuthEnv, {})).toEqual({});
  });

  it.each([
    ['too short', 'short'],
    ['with a space', 'abcdefgh ijklmnopqrstu'],
  ])('refuses a token %s, naming the variable', (_what, value) => {
    expect(() => loadConfig(AuthEnv, { OPERATOR_TOKEN: value })).toThrow(ConfigError);
    expect(() => loadConfig(AuthEnv, { OPERATOR_TOKEN: value })).toThrow(/OPERATOR_TOKEN/);
  });
});
