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
