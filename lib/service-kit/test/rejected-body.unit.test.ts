import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { Registry } from 'prom-client';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer, type HttpServer } from '../src/index.js';

/**
 * A body the server rejects unread (over the limit, unknown content type) must still reach the
 * client as a JSON 4xx: the server drains it instead of closing the socket under the writer.
 * Over real sockets, because the failure (EPIPE/ECONNRESET) only exists there.
 */
describe('bodies rejected before they are read', () => {
  let app: HttpServer;
  let base: string;

  beforeAll(async () => {
    app = await createHttpServer({
      logger: pino({ level: 'silent' }),
      registry: new Registry(),
      title: 't',
      description: 't',
      version: '0',
    });
    app.post('/things', { schema: { body: Type.Object({ name: Type.String() }) } }, async () => ({ ok: true }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(() => app.close());

  async function send(contentType: string, body: string) {
    try {
      const response = await fetch(`${base}/things`, { method: 'POST', headers: { 'content-type': contentType }, body });
      return { status: response.status, connection: response.headers.get('connection'), json: (await response.json()) as unknown };
    } catch (error) {
      return { failed: (error as Error & { cause?: { code?: string } }).cause?.code ?? String(error) };
    }
  }

  it('answers every 2 MiB body with 413 payload_too_large, never a broken connection', async () => {
    const body = JSON.stringify({ name: 'x', padding: 'p'.repeat(2 * 1024 * 1024) });
    const answers = [];
    for (let i = 0; i < 30; i++) answers.push(await send('application/json', body));
    const wrong = answers.filter((a) => !('status' in a) || a.status !== 413);
    expect(wrong).toEqual([]);
    expect(answers[0]).toMatchObject({ json: { error: 'payload_too_large', message: expect.any(String) } });
    // The connection is kept for the next request rather than closed.
    expect(answers.every((a) => 'connection' in a && a.connection !== 'close')).toBe(true);
  });

  it('answers a large body of an unknown content type with 415', async () => {
    const body = 'p'.repeat(2 * 1024 * 1024);
    const answers = [];
    for (let i = 0; i < 20; i++) answers.push(await send('text/csv', body));
    expect(answers.filter((a) => !('status' in a) || a.status !== 415)).toEqual([]);
  });

  it('still accepts a valid body on the same server afterwards', async () => {
    expect(await send('application/json', JSON.stringify({ name: 'ok' }))).toMatchObject({ status: 200, json: { ok: true } });
  });
});
