/**
 * Generates the malformed-request corpus: every route of both services, each fed wrong types,
 * missing fields, huge strings, deep JSON, invalid UTF-8, wrong content types, oversized
 * bodies, malformed ids and query strings, unknown routes and a reused Idempotency-Key.
 * Pure: the same fixtures give the same cases.
 */

export type Service = 'customer' | 'order';

export interface BadRequest {
  /** Unique, readable: category/what. */
  name: string;
  category: string;
  service: Service;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  /** Path and query string, already encoded as it goes on the wire. */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Statuses the answer must have (always 4xx); any 4xx when absent. */
  expectStatus?: number[];
}

export interface CorpusFixtures {
  /** A live customer (in both databases). */
  customerId: string;
  /** Its email, to provoke 409 with a differently cased copy. */
  customerEmail: string;
  /** A customer that was deleted. */
  deletedCustomerId: string;
  /** An Idempotency-Key already used for `idempotentBody`. */
  usedIdempotencyKey: string;
  idempotentBody: { name: string; email: string; address: string };
  /** An existing order id (GET is harmless). */
  orderId?: string;
  /** Body limit of both services (64 KiB). */
  bodyLimit: number;
  /** A unique tag so that generated emails never collide with real ones. */
  tag: string;
}

const JSON_TYPE = { 'content-type': 'application/json' };
const UNKNOWN_UUID = '00000000-0000-4000-8000-000000000000';

/** Ids no route should accept: not UUIDs, or UUIDs of nobody. */
export function malformedIds(): string[] {
  return [
    'abc',
    '123',
    '0',
    '-1',
    'null',
    'undefined',
    '%20',
    '%00',
    '%E2%80%8B',
    "'%20OR%201%3D1--",
    '..%2F..%2Fetc%2Fpasswd',
    '00000000-0000-4000-8000-00000000000',
    '00000000-0000-4000-8000-0000000000000',
    'g0000000-0000-4000-8000-000000000000',
    '00000000000040008000000000000000x',
    '{00000000-0000-4000-8000-000000000000}',
    // passes ajv's uuid format, not PostgreSQL's uuid input
    'urn:uuid:00000000-0000-4000-8000-000000000000',
    'a'.repeat(5_000),
    '%FF%FE',
  ];
}

/** JSON nested `depth` levels deep, as text (never parsed here). */
export function deepJson(depth: number, open = '[', close = ']'): string {
  return open.repeat(depth) + close.repeat(depth);
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

/** Bytes that are not UTF-8, spliced into an otherwise valid JSON string value. */
export function invalidUtf8Json(prefix: string, suffix: string): Buffer {
  return Buffer.concat([Buffer.from(prefix), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xf0, 0x28, 0x8c, 0x28]), Buffer.from(suffix)]);
}

/** Values of the wrong type for a string field. */
const WRONG_TYPES: Array<[string, unknown]> = [
  ['number', 42],
  ['float', 1.5],
  ['boolean', true],
  ['null', null],
  ['array', ['x']],
  ['object', { street: 'x' }],
  ['empty-string', ''],
  ['too-long', 'x'.repeat(201)],
];

export function generateCorpus(fx: CorpusFixtures): BadRequest[] {
  const cases: BadRequest[] = [];
  const add = (c: Omit<BadRequest, 'headers'> & { headers?: Record<string, string> }) =>
    cases.push({ headers: {}, ...c });
  const email = (what: string) => `bad-${fx.tag}-${what}@example.com`;
  const goodCustomer = (what: string) => ({ name: 'Bad Input', email: email(what), address: '1 Nowhere St' });

  // ---- bodies of POST /customers, PUT /customers/:id/address, POST /orders
  const bodyRoutes: Array<{ route: string; service: Service; method: 'POST' | 'PUT'; path: string; valid: (what: string) => Record<string, unknown> }> = [
    { route: 'create-customer', service: 'customer', method: 'POST', path: '/customers', valid: goodCustomer },
    { route: 'update-address', service: 'customer', method: 'PUT', path: `/customers/${fx.customerId}/address`, valid: () => ({ address: '2 Somewhere Rd' }) },
    { route: 'create-order', service: 'order', method: 'POST', path: '/orders', valid: () => ({ customer_id: fx.customerId }) },
  ];
  for (const route of bodyRoutes) {
    const base = { service: route.service, method: route.method, path: route.path, headers: JSON_TYPE };
    const fields = Object.keys(route.valid('fields'));
    for (const field of fields) {
      for (const [kind, value] of WRONG_TYPES) {
        add({ ...base, category: 'wrong-type', name: `${route.route}/${field}-${kind}`, body: json({ ...route.valid(`${field}-${kind}`), [field]: value }) });
      }
      const { [field]: _omitted, ...rest } = route.valid(`missing-${field}`);
      add({ ...base, category: 'missing-field', name: `${route.route}/missing-${field}`, body: json(rest) });
      add({ ...base, category: 'huge-string', name: `${route.route}/${field}-60k`, body: json({ ...route.valid(`${field}-60k`), [field]: 'h'.repeat(60_000) }) });
      add({ ...base, category: 'deep-json', name: `${route.route}/${field}-deep`, body: Buffer.from(JSON.stringify({ ...route.valid(`${field}-deep`), [field]: '__DEEP__' }).replace('"__DEEP__"', deepJson(10_000))) });
    }
    // A JSON-escaped NUL (valid JSON, valid UTF-8) that PostgreSQL text cannot store.
    add({ ...base, category: 'nul-escape', name: `${route.route}/nul-escape`, body: Buffer.from(JSON.stringify(route.valid('nul')).replace(/":"/, '":"\\u0000')) });
    add({ ...base, category: 'missing-field', name: `${route.route}/empty-object`, body: json({}) });
    for (const [kind, raw] of [
      ['array', '[]'], ['string', '"text"'], ['number', '7'], ['null', 'null'], ['true', 'true'],
      ['truncated', JSON.stringify(route.valid('truncated')).slice(0, -3)], ['trailing-comma', '{"a":1,}'],
      ['single-quotes', "{'a':1}"], ['nan', '{"a":NaN}'], ['comment', '{"a":1 /* x */}'], ['two-documents', '{}{}'],
      ['proto-pollution', '{"__proto__":{"admin":true}}'], ['constructor-pollution', '{"constructor":{"prototype":{"admin":true}}}'],
      ['whitespace-only', '   '], ['bom-then-garbage', '\ufeff{x'],
    ] as const) {
      add({ ...base, category: 'malformed-json', name: `${route.route}/${kind}`, body: Buffer.from(raw) });
    }
    add({ ...base, category: 'empty-body', name: `${route.route}/empty-body`, body: Buffer.alloc(0) });
    add({ ...base, category: 'deep-json', name: `${route.route}/deep-array-body`, body: Buffer.from(deepJson(20_000)) });
    add({ ...base, category: 'deep-json', name: `${route.route}/deep-object-body`, body: Buffer.from('{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000)) });
    add({ ...base, category: 'invalid-utf8', name: `${route.route}/invalid-utf8-value`, body: invalidUtf8Json(JSON.stringify(route.valid('utf8')).slice(0, -1) + ',"x":"', '"}') });
    add({ ...base, category: 'invalid-utf8', name: `${route.route}/invalid-utf8-whole`, body: Buffer.from([0xff, 0xfe, 0xfd, 0x80, 0x81]) });
    for (const [kind, type] of [
      ['text-plain', 'text/plain'], ['form', 'application/x-www-form-urlencoded'], ['xml', 'application/xml'],
      ['multipart', 'multipart/form-data; boundary=x'], ['octet-stream', 'application/octet-stream'], ['garbage', 'not a type'],
    ] as const) {
      add({ ...base, category: 'content-type', name: `${route.route}/${kind}`, headers: { 'content-type': type }, body: json(route.valid(`ct-${kind}`)) });
    }
    add({ ...base, category: 'content-type', name: `${route.route}/no-content-type`, headers: {}, body: json(route.valid('ct-none')) });
    add({ ...base, category: 'oversized', name: `${route.route}/just-over-limit`, expectStatus: [413], body: json({ ...route.valid('over'), padding: 'p'.repeat(fx.bodyLimit) }) });
    add({ ...base, category: 'oversized', name: `${route.route}/2mb`, expectStatus: [413], body: json({ ...route.valid('2mb'), padding: 'p'.repeat(2 * 1024 * 1024) }) });
  }

  // ---- POST /customers specifics
  const create = { service: 'customer' as const, method: 'POST' as const, path: '/customers', headers: JSON_TYPE };
  for (const bad of ['plain', '@example.com', 'a@', 'a b@example.com', 'a@@example.com', `${'x'.repeat(250)}@example.com`]) {
    add({ ...create, category: 'invalid-email', name: `create-customer/email-${bad.slice(0, 20)}`, body: json({ ...goodCustomer('e'), email: bad }) });
  }
  add({ ...create, category: 'conflict', name: 'create-customer/email-taken-other-case', expectStatus: [409], body: json({ name: 'Dup', email: fx.customerEmail.toUpperCase(), address: 'x' }) });
  add({ ...create, category: 'idempotency-reuse', name: 'create-customer/key-reused-other-email', expectStatus: [422], headers: { ...JSON_TYPE, 'idempotency-key': fx.usedIdempotencyKey }, body: json({ ...fx.idempotentBody, email: email('reuse-email') }) });
  add({ ...create, category: 'idempotency-reuse', name: 'create-customer/key-reused-other-address', expectStatus: [422], headers: { ...JSON_TYPE, 'idempotency-key': fx.usedIdempotencyKey }, body: json({ ...fx.idempotentBody, address: 'Another Address 9' }) });
  add({ ...create, category: 'idempotency-reuse', name: 'create-customer/key-reused-other-name', expectStatus: [422], headers: { ...JSON_TYPE, 'idempotency-key': fx.usedIdempotencyKey }, body: json({ ...fx.idempotentBody, name: 'Someone Else' }) });
  add({ ...create, category: 'idempotency-reuse', name: 'create-customer/key-reused-invalid-body', headers: { ...JSON_TYPE, 'idempotency-key': fx.usedIdempotencyKey }, body: json({ name: 1 }) });

  // ---- malformed and unknown ids on every :id route
  const idRoutes: Array<{ route: string; service: Service; method: BadRequest['method']; path: (id: string) => string; body?: Buffer; expect404?: boolean }> = [
    { route: 'get-customer', service: 'customer', method: 'GET', path: (id) => `/customers/${id}` },
    { route: 'update-address', service: 'customer', method: 'PUT', path: (id) => `/customers/${id}/address`, body: json({ address: 'x' }) },
    { route: 'delete-customer', service: 'customer', method: 'DELETE', path: (id) => `/customers/${id}` },
    { route: 'get-order', service: 'order', method: 'GET', path: (id) => `/orders/${id}` },
    { route: 'get-replica', service: 'order', method: 'GET', path: (id) => `/replica/customers/${id}` },
  ];
  for (const route of idRoutes) {
    const headers = route.body ? JSON_TYPE : {};
    malformedIds().forEach((id, index) => {
      add({ service: route.service, method: route.method, path: route.path(id), headers, body: route.body, category: 'malformed-id', name: `${route.route}/id-${index}-${id.slice(0, 20)}` });
    });
    add({ service: route.service, method: route.method, path: route.path(UNKNOWN_UUID), headers, body: route.body, category: 'unknown-id', name: `${route.route}/unknown-uuid`, expectStatus: [404] });
  }
  add({ service: 'customer', method: 'PUT', path: `/customers/${fx.deletedCustomerId}/address`, headers: JSON_TYPE, body: json({ address: 'x' }), category: 'unknown-id', name: 'update-address/deleted-customer', expectStatus: [404, 409, 410] });
  add({ service: 'customer', method: 'DELETE', path: `/customers/${fx.deletedCustomerId}`, category: 'unknown-id', name: 'delete-customer/already-deleted', expectStatus: [404, 409, 410] });
  malformedIds().forEach((id, index) => {
    add({ service: 'order', method: 'POST', path: '/orders', headers: JSON_TYPE, body: json({ customer_id: id }), category: 'malformed-id', name: `create-order/customer_id-${index}-${id.slice(0, 20)}` });
  });
  add({ service: 'order', method: 'POST', path: '/orders', headers: JSON_TYPE, body: json({ customer_id: UNKNOWN_UUID }), category: 'unknown-id', name: 'create-order/unknown-customer', expectStatus: [400] });
  add({ service: 'order', method: 'POST', path: '/orders', headers: JSON_TYPE, body: json({ customer_id: fx.deletedCustomerId }), category: 'unknown-id', name: 'create-order/deleted-customer', expectStatus: [400] });

  // ---- query strings
  const listCustomers = ['limit=0', 'limit=-1', 'limit=501', 'limit=100000000000000000000', 'limit=abc', 'limit=1.5', 'limit=', 'limit=1e3', 'limit=%00', 'limit=1&limit=2', 'after=not-a-cursor%FF', `after=${'z'.repeat(5000)}`];
  listCustomers.forEach((query, index) => {
    add({ service: 'customer', method: 'GET', path: `/customers?${query}`, category: 'malformed-query', name: `list-customers/${index}-${query.slice(0, 30)}` });
  });
  const listOrders = ['', 'customer_id=', 'customer_id=abc', 'customer_id=%00', `customer_id=${'a'.repeat(5000)}`, `customer_id=${UNKNOWN_UUID}x`, `customer_id=${UNKNOWN_UUID}&customer_id=${UNKNOWN_UUID}`, 'customer=abc', 'customer_id=%FF%FE'];
  listOrders.forEach((query, index) => {
    add({ service: 'order', method: 'GET', path: `/orders${query ? `?${query}` : ''}`, category: 'malformed-query', name: `list-orders/${index}-${query.slice(0, 30) || 'no-customer_id'}` });
  });

  ['limit=0', 'limit=-5', 'limit=abc', 'limit=100000', 'after=abc', 'after=-1', 'after=1.5', `after=${'9'.repeat(40)}`].forEach((query, index) => {
    add({ service: 'order', method: 'GET', path: `/admin/parked-events?${query}`, category: 'malformed-query', name: `list-parked/${index}-${query.slice(0, 30)}` });
  });

  // ---- unknown routes and methods
  for (const service of ['customer', 'order'] as const) {
    for (const [method, path] of [
      ['GET', '/nope'], ['GET', '/customers/x/y/z'], ['POST', '/health'], ['PATCH', '/customers'], ['DELETE', '/orders'],
      ['GET', '/%2e%2e/%2e%2e/etc/passwd'], ['GET', `/${'a'.repeat(4000)}`], ['PUT', '/admin/parked-events'], ['POST', '/metrics'],
      ['GET', '/customers%00'], ['DELETE', '/ready'],
    ] as const) {
      add({ service, method, path, category: 'unknown-route', name: `${service}/${method}-${path.slice(0, 30)}`, expectStatus: [404, 405] });
    }
  }
  add({ service: 'order', method: 'POST', path: '/admin/parked-events', headers: JSON_TYPE, body: json({}), category: 'unknown-route', name: 'order/POST-parked-events', expectStatus: [404, 405] });
  add({ service: 'order', method: 'DELETE', path: '/admin/parked-events', category: 'unknown-route', name: 'order/DELETE-parked-events', expectStatus: [404, 405] });
  add({ service: 'order', method: 'PUT', path: `/orders/${UNKNOWN_UUID}`, headers: JSON_TYPE, body: json({ status: 'Processing' }), category: 'unknown-route', name: 'order/PUT-order', expectStatus: [404, 405] });
  add({ service: 'order', method: 'DELETE', path: `/orders/${UNKNOWN_UUID}`, category: 'unknown-route', name: 'order/DELETE-order', expectStatus: [404, 405] });
  add({ service: 'customer', method: 'POST', path: `/customers/${fx.customerId}`, headers: JSON_TYPE, body: json(goodCustomer('post-id')), category: 'unknown-route', name: 'customer/POST-customer-id', expectStatus: [404, 405] });
  add({ service: 'customer', method: 'PUT', path: `/customers/${fx.customerId}`, headers: JSON_TYPE, body: json({ address: 'x' }), category: 'unknown-route', name: 'customer/PUT-customer-id', expectStatus: [404, 405] });

  const names = new Set<string>();
  for (const c of cases) {
    if (names.has(c.name)) throw new Error(`corpus: duplicate case name ${c.name}`);
    names.add(c.name);
  }
  return cases;
}

