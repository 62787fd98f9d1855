import { describe, expect, it } from 'vitest';
import type { BadRequest } from '../src/bad-input/corpus.js';
import { judgeAnswer } from '../src/bad-input/http-check.js';
import { poisonMessages } from '../src/bad-input/poison.js';

const someCase: BadRequest = { name: 'x', category: 'c', service: 'customer', method: 'POST', path: '/customers', headers: {} };
const errorBody = { error: 'validation_failed', message: 'name must be a string' };

describe('judgeAnswer', () => {
  it('accepts a 4xx with a JSON {error, message} body', () => {
    expect(judgeAnswer(someCase, 400, 'application/json; charset=utf-8', errorBody)).toBeUndefined();
  });

  it('refuses 2xx and 5xx, other statuses than documented, non-JSON and bodies without error/message', () => {
    expect(judgeAnswer(someCase, 201, 'application/json', {})).toMatch(/answered 201/);
    expect(judgeAnswer(someCase, 500, 'application/json', errorBody)).toMatch(/answered 500/);
    expect(judgeAnswer({ ...someCase, expectStatus: [413] }, 400, 'application/json', errorBody)).toMatch(/expected 413/);
    expect(judgeAnswer(someCase, 404, 'text/html', errorBody)).toMatch(/content-type/);
    expect(judgeAnswer(someCase, 400, 'application/json', { error: 'x' })).toMatch(/without a \{error, message\}/);
  });
});

describe('poisonMessages', () => {
  const messages = poisonMessages('11111111-1111-4111-8111-111111111111');

  it('covers every reason the contract parks for', () => {
    expect(new Set(messages.map((m) => m.expectedReason))).toEqual(
      new Set(['unparseable_body', 'unknown_type', 'invalid_body', 'unsupported_schema_version', 'missing_metadata']),
    );
  });

  it('has a huge body of about 900 KB and unique markers', () => {
    const huge = messages.find((m) => m.name === 'huge-body')!;
    expect(huge.body.length).toBeGreaterThan(900 * 1024);
    expect(huge.body.length).toBeLessThan(1_000_000);
    expect(new Set(messages.map((m) => m.marker)).size).toBe(messages.length);
    for (const m of messages) expect(m.body.includes(Buffer.from(m.marker)), m.name).toBe(true);
  });
});
