import pino from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createHttpServer } from '../src/index.js';

describe('a body that is not valid JSON', () => {
  it('is answered 400 invalid_json with where it breaks, never quoting the body', async () => {
    const app = await createHttpServer({ logger: pino({ level: 'silent' }), registry: new Registry(), title: 't', description: 't', version: '0' });
    app.post('/things', async () => ({ ok: true }));
    const post = (payload: string) => app.inject({ method: 'POST', url: '/things', headers: { 'content-type': 'application/json' }, payload });
    try {
      // The parser's own messages would quote the body: `Unexpected token 'o', ..."l": oops}" is not valid JSON`
      expect((await post('{"name": "Dora Quoted", "email": oops}')).json()).toEqual({ error: 'invalid_json', message: 'body is not valid JSON' });
      const cut = await post('{"name": "Dora Quoted');
      expect(cut.statusCode).toBe(400);
      expect(cut.json()).toEqual({ error: 'invalid_json', message: 'body is not valid JSON (at position 21)' });
    } finally {
      await app.close();
    }
  });
});

describe('an empty body sent as application/json', () => {
  it('is no body at all for a route that takes none, and 400 invalid_json for one that does', async () => {
    const app = await createHttpServer({ logger: pino({ level: 'silent' }), registry: new Registry(), title: 't', description: 't', version: '0' });
    app.delete('/things/1', async (_request, reply) => reply.code(204).send());
    app.post('/things', { schema: { body: { type: 'object' } } }, async () => ({ ok: true }));
    const json = { 'content-type': 'application/json', 'content-length': '0' };
    try {
      const deleted = await app.inject({ method: 'DELETE', url: '/things/1', headers: json });
      expect([deleted.statusCode, deleted.body]).toEqual([204, '']);
      const posted = await app.inject({ method: 'POST', url: '/things', headers: json, payload: '' });
      expect(posted.statusCode).toBe(400);
      expect(posted.json()).toEqual({ error: 'invalid_json', message: 'body is empty' });
    } finally {
      await app.close();
    }
  });
});
