import { describe, expect, it } from 'vitest';
import type { HttpAnswer } from '../src/http.js';
import { refusalProblems } from '../src/security/http-auth.js';
import { checkLogs, EMAIL, findings } from '../src/security/log-scan.js';
import { exempt, retryAfterSeconds } from '../src/security/rate-limit.js';
import { concretePath, mergeRoutes, MUST_BE_PROTECTED, protectedRoutesOf, undocumented } from '../src/security/routes.js';
import { accountsOf } from '../src/security/settings.js';

const answer = (status: number, body: unknown, headers: Record<string, string> = {}): HttpAnswer => ({
  status,
  headers: new Headers(headers),
  text: JSON.stringify(body),
  json: body,
});

describe('the protected routes of an OpenAPI document', () => {
  const document = {
    paths: {
      '/customers': { get: { security: [{ readerToken: [] }] }, post: {} },
      '/internal/snapshot': { get: { security: [{ operatorToken: [] }] } },
      '/health': { get: {} },
    },
  };

  it('are the operations that name a scheme of the services, with its scope', () => {
    expect(protectedRoutesOf(document)).toEqual([
      { method: 'GET', path: '/customers', scope: 'reader' },
      { method: 'GET', path: '/internal/snapshot', scope: 'operator' },
    ]);
  });

  it('must include what the README says is protected: a route documented as open is reported', () => {
    expect(undocumented(MUST_BE_PROTECTED.customer, protectedRoutesOf(document))).toEqual([]);
    const open = { paths: { '/customers': { get: {} }, '/internal/snapshot': { get: { security: [{ operatorToken: [] }] } } } };
    expect(undocumented(MUST_BE_PROTECTED.customer, protectedRoutesOf(open))).toEqual(['GET /customers (reader)']);
  });

  it('are tried once each, with concrete parameters', () => {
    expect(mergeRoutes(protectedRoutesOf(document), MUST_BE_PROTECTED.customer)).toHaveLength(2);
    expect(concretePath('/admin/parked-events/{offset}/retry', 'u')).toBe('/admin/parked-events/0/retry');
    expect(concretePath('/replica/customers/{id}', 'the-id')).toBe('/replica/customers/the-id');
  });
});

describe('a refusal', () => {
  const challenge = { 'www-authenticate': 'Bearer realm="customer-service"' };

  it('is the status, the stable error, {error, message} only and a Bearer challenge on 401', () => {
    expect(refusalProblems(answer(401, { error: 'unauthorized', message: 'm' }, challenge), 401, ['secret'])).toEqual([]);
    expect(refusalProblems(answer(403, { error: 'forbidden', message: 'm' }), 403, [])).toEqual([]);
  });

  it('fails on data, on another status, on extra fields, and without the challenge', () => {
    expect(refusalProblems(answer(200, { items: [{ email: 'secret' }] }), 401, ['secret'])).toEqual([
      'answered 200',
      'body keys items',
      'error undefined',
      'no WWW-Authenticate: Bearer',
      'the body holds data of the run',
    ]);
    expect(refusalProblems(answer(401, { error: 'unauthorized', message: 'm', hint: 'x' }, challenge), 401, [])).toEqual(['body keys error,hint,message']);
    expect(refusalProblems(answer(401, { error: 'unauthorized', message: 'm' }), 401, [])).toEqual(['no WWW-Authenticate: Bearer']);
  });
});

describe('the rate limit', () => {
  it('cannot be tried from an exempt address', () => {
    expect(exempt('127.0.0.0/8,::1', '127.0.0.1')).toBe(true);
    expect(exempt('', '127.0.0.1')).toBe(false);
    expect(exempt('10.0.0.0/8', '127.0.0.1')).toBe(false);
    expect(exempt('127.0.0.1', '127.0.0.1')).toBe(true);
  });

  it('reads Retry-After in whole seconds only', () => {
    expect(retryAfterSeconds('42')).toBe(42);
    expect(retryAfterSeconds(null)).toBeUndefined();
    expect(retryAfterSeconds('Wed, 21 Oct 2026 07:28:00 GMT')).toBeUndefined();
  });
});

describe('the log scan', () => {
  const logs = new Map([
    ['customer.log', '{"msg":"request completed","email":"[redacted]"}\n{"msg":"oops","detail":"Key (email)=(Leak@Example.com)"}\n'],
    ['order-1.log', '{"node":"rabbit@localhost","msg":"Bearer abcdefabcdef0123456789"}\n'],
  ]);

  it('finds an email of the run in any case, any email-shaped string, and a token', () => {
    const [emails, any, tokens] = checkLogs(logs, { emails: ['leak@example.com'], tokens: ['abcdefabcdef0123456789'] });
    expect(emails).toMatchObject({ held: false, observed: 'customer.log:+2 leak@example.com' });
    expect(any).toMatchObject({ held: false, observed: 'customer.log:+2 Leak@Example.com' });
    expect(tokens).toMatchObject({ held: false });
  });

  it('holds on clean lines, but not on no lines at all (a wrong RUN_DIR proves nothing)', () => {
    const clean = new Map([['customer.log', '{"msg":"request completed","email":"[redacted]","node":"rabbit@localhost"}\n']]);
    expect(checkLogs(clean, { emails: ['a@example.com'], tokens: ['t0123456789abcdef'] }).map((p) => p.held)).toEqual([true, true, true]);
    expect(checkLogs(new Map(), { emails: ['a@example.com'], tokens: [] }).map((p) => p.held)).toEqual([false, false, false]);
  });

  it('takes node names for what they are', () => {
    expect('rabbit@localhost cluster1@localhost'.match(EMAIL)).toBeNull();
    expect(findings(new Map([['x.log', 'a\nb c@d.io\n']]), (line) => line.match(EMAIL)?.[0])).toEqual(['x.log:+2 c@d.io']);
  });
});

describe("the services' accounts", () => {
  it('are read from credentials.env, and a missing one is named', () => {
    const credentials = {
      CUSTOMER_SERVICE_DATABASE_URL: 'postgres://customer_service:p@127.0.0.1:5432/customer_db',
      ORDER_SERVICE_DATABASE_URL: 'postgres://order_service:q@127.0.0.1:5432/order_db',
      CUSTOMER_SERVICE_RABBITMQ_PASSWORD: 'r',
      ORDER_SERVICE_RABBITMQ_PASSWORD: 's',
    };
    expect(accountsOf(credentials, 'f').orderRabbitPassword).toBe('s');
    const { ORDER_SERVICE_RABBITMQ_PASSWORD: _dropped, ...partial } = credentials;
    expect(() => accountsOf(partial, '.run/credentials.env')).toThrow(/\.run\/credentials.env has no ORDER_SERVICE_RABBITMQ_PASSWORD/);
  });
});
