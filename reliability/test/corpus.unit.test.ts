import { isUtf8 } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { deepJson, generateCorpus, invalidUtf8Json, type CorpusFixtures } from '../src/bad-input/corpus.js';

const fixtures: CorpusFixtures = {
  customerId: '11111111-1111-4111-8111-111111111111',
  customerEmail: 'someone@example.com',
  deletedCustomerId: '22222222-2222-4222-8222-222222222222',
  usedIdempotencyKey: 'key-1',
  idempotentBody: { name: 'N', email: 'n@example.com', address: 'A' },
  bodyLimit: 64 * 1024,
  tag: 't1',
};

describe('generateCorpus', () => {
  const corpus = generateCorpus(fixtures);

  it('covers every route of both services', () => {
    // Given the routes of issues 3 and 4
    const routes = [
      ['customer', 'POST', /^\/customers$/],
      ['customer', 'GET', /^\/customers\/[^/?]+$/],
      ['customer', 'GET', /^\/customers\?/],
      ['customer', 'PUT', /^\/customers\/[^/]+\/address$/],
      ['customer', 'DELETE', /^\/customers\/[^/]+$/],
      ['order', 'POST', /^\/orders$/],
      ['order', 'GET', /^\/orders\/[^/?]+$/],
      ['order', 'GET', /^\/orders(\?|$)/],
      ['order', 'GET', /^\/replica\/customers\/[^/]+$/],
      ['order', 'PUT', /^\/admin\/parked-events$/],
    ] as const;
    // When / Then every one has at least one case
    for (const [service, method, path] of routes) {
      const hits = corpus.filter((c) => c.service === service && c.method === method && path.test(c.path));
      expect(hits.length, `${service} ${method} ${path}`).toBeGreaterThan(0);
    }
  });

  it('has every category the issue names, with unique case names', () => {
    // Given / When
    const categories = new Set(corpus.map((c) => c.category));
    // Then
    for (const category of ['wrong-type', 'missing-field', 'huge-string', 'deep-json', 'invalid-utf8', 'content-type', 'oversized', 'malformed-id', 'malformed-query', 'unknown-route', 'idempotency-reuse', 'nul-escape']) {
      expect(categories, category).toContain(category);
    }
    expect(new Set(corpus.map((c) => c.name)).size).toBe(corpus.length);
    expect(corpus.length).toBeGreaterThan(250);
  });

  it('makes oversized bodies larger than the limit and every other body smaller', () => {
    // Given / When
    const oversized = corpus.filter((c) => c.category === 'oversized');
    const others = corpus.filter((c) => c.category !== 'oversized' && c.body);
    // Then
    for (const c of oversized) expect(c.body!.length, c.name).toBeGreaterThan(fixtures.bodyLimit);
    for (const c of others) expect(c.body!.length, c.name).toBeLessThanOrEqual(fixtures.bodyLimit);
    for (const c of oversized) expect(c.expectStatus).toEqual([413]);
  });

  it('sends invalid UTF-8 that really is invalid', () => {
    // Given / When
    const cases = corpus.filter((c) => c.category === 'invalid-utf8');
    // Then
    expect(cases.length).toBeGreaterThan(0);
    for (const c of cases) expect(isUtf8(c.body!), c.name).toBe(false);
  });

  it('reuses the used Idempotency-Key only with a body that differs from the original', () => {
    // Given / When
    const reuse = corpus.filter((c) => c.headers['idempotency-key'] === fixtures.usedIdempotencyKey);
    // Then
    expect(reuse.length).toBeGreaterThanOrEqual(3);
    for (const c of reuse) expect(JSON.parse(c.body!.toString())).not.toEqual(fixtures.idempotentBody);
  });

  it('never sends a valid create body with a valid content type (it would create a customer)', () => {
    // Given a body the API would accept
    const wouldCreate = corpus.filter((c) => {
      if (c.method !== 'POST' || c.path !== '/customers' || c.headers['content-type'] !== 'application/json' || !c.body) return false;
      if (c.expectStatus?.some((s) => s === 409 || s === 422 || s === 413)) return false;
      if (!isUtf8(c.body)) return false; // refused for its encoding
      try {
        const body = JSON.parse(c.body.toString()) as Record<string, unknown>;
        const ok = (v: unknown) => typeof v === 'string' && v.length > 0 && v.length <= 200 && !v.includes('\u0000');
        return ok(body.name) && ok(body.address) && typeof body.email === 'string' && /^[^@\s]+@[^@\s]+\.[a-z]+$/.test(body.email) && body.email.length <= 200;
      } catch {
        return false;
      }
    });
    // Then none: every case must be refused
    expect(wouldCreate.map((c) => c.name)).toEqual([]);
  });
});

describe('deepJson and invalidUtf8Json', () => {
  it('nests to the asked depth', () => {
    expect(deepJson(3)).toBe('[[[]]]');
    expect(() => JSON.parse(deepJson(500))).not.toThrow();
  });

  it('keeps the prefix and suffix around the bad bytes', () => {
    const body = invalidUtf8Json('{"a":"', '"}');
    expect(body.subarray(0, 6).toString()).toBe('{"a":"');
    expect(body.subarray(-2).toString()).toBe('"}');
  });
});
