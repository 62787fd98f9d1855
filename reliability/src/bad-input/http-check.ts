import { authorizationFor } from '@demo/service-kit/system';
/**
 * Sends the malformed-request corpus to both services and checks every answer: a 4xx (the one
 * expected where the API documents it) with a JSON {error, message} body; the processes stay up;
 * neither database changes (digest of every table before and after).
 */
import { diffDigests, digestTables, type Databases } from '../db.js';
import { describeError, request } from '../http.js';
import { pollUntil } from '../poll.js';
import { serviceNames, type ServiceName, type Settings } from '../settings.js';
import type { System } from '../system.js';
import { generateCorpus, type BadRequest, type CorpusFixtures } from './corpus.js';
import { corpusFixtures } from './fixtures.js';

export interface HttpBadInputResult {
  cases: number;
  byCategory: Record<string, number>;
  failures: string[];
  /** Tables whose digest changed and that the corpus did change (fails the check). */
  databaseChanges: string[];
  /** Tables whose digest changed only through other clients' writes during the check (a warning). */
  foreignChanges: string[];
}

/** What the corpus could have written: customers with its emails, the fixtures' rows and their orders. */
async function traceOfCorpus(dbs: Databases, fx: CorpusFixtures) {
  const ids = [fx.customerId, fx.deletedCustomerId];
  const [created, fixtures, replica, orders, outbox] = await Promise.all([
    dbs.customer.query<{ n: number }>("SELECT count(*)::int AS n FROM customers WHERE email ILIKE $1", [`bad-${fx.tag}-%`]),
    dbs.customer.query('SELECT id, address, version, deleted_at FROM customers WHERE id = ANY($1::uuid[]) ORDER BY id', [ids]),
    dbs.order.query('SELECT id, address, version, deleted FROM customers WHERE id = ANY($1::uuid[]) ORDER BY id', [ids]),
    dbs.order.query<{ n: number }>("SELECT count(*)::int AS n FROM orders WHERE customer_id::text = ANY($1::text[])", [[...ids, '00000000-0000-4000-8000-000000000000']]),
    dbs.customer.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox WHERE customer_id = ANY($1::uuid[])', [ids]),
  ]);
  return JSON.stringify({ created: created.rows[0]!.n, fixtures: fixtures.rows, replica: replica.rows, orders: orders.rows[0]!.n, outbox: outbox.rows[0]!.n });
}

/** Rows other clients created or changed since `since` (the shared system may be in use). */
async function foreignWrites(dbs: Databases, fx: CorpusFixtures, since: Date): Promise<number> {
  const ids = [fx.customerId, fx.deletedCustomerId];
  const [customers, orders] = await Promise.all([
    dbs.customer.query<{ n: number }>('SELECT count(*)::int AS n FROM customers WHERE (created_at >= $1 OR updated_at >= $1) AND NOT (id = ANY($2::uuid[]))', [since, ids]),
    dbs.order.query<{ n: number }>('SELECT count(*)::int AS n FROM orders WHERE created_at >= $1 AND NOT (customer_id::text = ANY($2::text[]))', [since, ids]),
  ]);
  return customers.rows[0]!.n + orders.rows[0]!.n;
}

async function digestBoth(dbs: Databases) {
  const [customer, order] = await Promise.all([digestTables(dbs.customer), digestTables(dbs.order)]);
  return { ...prefix('customer_db.', customer), ...prefix('order_db.', order) };
}
function prefix(p: string, record: Record<string, string>) {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [p + k, v]));
}

/** Checks one answer; returns what is wrong with it, if anything. */
export function judgeAnswer(c: BadRequest, status: number, contentType: string | null, json: unknown): string | undefined {
  if (status < 400 || status > 499) return `answered ${status}`;
  if (c.expectStatus && !c.expectStatus.includes(status)) return `answered ${status}, expected ${c.expectStatus.join(' or ')}`;
  if (!contentType?.includes('application/json')) return `answered ${status} with content-type ${contentType}`;
  const body = json as { error?: unknown; message?: unknown } | undefined;
  if (typeof body?.error !== 'string' || typeof body.message !== 'string') return `answered ${status} without a {error, message} body`;
  return undefined;
}

export async function checkHttpBadInput(settings: Settings, system: System, dbs: Databases, log: (line: string) => void): Promise<HttpBadInputResult> {
  const tag = Date.now().toString(36);
  const fixtures = await corpusFixtures(settings, dbs, tag);
  const corpus = generateCorpus(fixtures);
  const byCategory: Record<string, number> = {};
  for (const c of corpus) byCategory[c.category] = (byCategory[c.category] ?? 0) + 1;
  log(`[bad-input/http] ${corpus.length} malformed requests against customer and order services`);

  // A quiet starting point when there is one: two equal digests in a row (the fixtures' events
  // applied). On a shared system in use it may never come: then other clients' writes are told
  // apart from the corpus's own below.
  let before = await digestBoth(dbs);
  await pollUntil(async () => {
    const again = await digestBoth(dbs);
    const stable = diffDigests(before, again).length === 0;
    before = again;
    return stable;
  }, { timeoutMs: 10_000, intervalMs: 300, what: 'the databases to be quiet before the corpus' }).catch(() =>
    log('[bad-input/http] the databases are not quiet (other clients are writing); going on'),
  );

  const traceBefore = await traceOfCorpus(dbs, fixtures);
  const since = new Date(Date.now() - 1_000);
  const failures: string[] = [];
  const pids = new Map<ServiceName, number | undefined>();
  for (const name of serviceNames(settings)) pids.set(name, await system.pidOf(name));
  const queue = [...corpus];
  await Promise.all(Array.from({ length: 4 }, async () => {
    for (let c = queue.shift(); c; c = queue.shift()) {
      const base = c.service === 'customer' ? settings.customerUrl : settings.orders[queue.length % settings.orders.length]!.url;
      try {
        const headers = { ...authorizationFor(c.method, c.path, settings.tokens), ...c.headers };
        const answer = await request(base + c.path, { method: c.method, headers, body: c.body, timeoutMs: 15_000 });
        const wrong = judgeAnswer(c, answer.status, answer.headers.get('content-type'), answer.json);
        if (wrong) failures.push(`${c.name} (${c.method} ${c.path.slice(0, 60)}): ${wrong} ${answer.text.slice(0, 160)}`);
      } catch (error) {
        failures.push(`${c.name} (${c.method} ${c.path.slice(0, 60)}): no answer (${describeError(error)})`);
      }
    }
  }));

  for (const [name, pid] of pids) {
    const now = await system.pidOf(name);
    if (now !== pid || !(await system.isAlive(name))) failures.push(`${name} is no longer the same live process (pid ${pid} → ${now})`);
    const health = await request(`${system.urlOf(name)}/health`).catch(() => undefined);
    if (health?.status !== 200) failures.push(`${name} /health answered ${health?.status ?? 'nothing'} after the corpus`);
  }
  const changed = diffDigests(before, await digestBoth(dbs));
  const traceAfter = await traceOfCorpus(dbs, fixtures);
  const foreign = changed.length > 0 ? await foreignWrites(dbs, fixtures, since) : 0;
  // A changed digest fails the check unless other clients demonstrably wrote meanwhile and no
  // trace of the corpus itself is found (make test runs this alone, so there it is strict).
  const ours = traceAfter !== traceBefore || foreign === 0;
  if (traceAfter !== traceBefore) failures.push(`the corpus changed its own rows: before ${traceBefore} after ${traceAfter}`);
  return {
    cases: corpus.length,
    byCategory,
    failures,
    databaseChanges: ours ? changed : [],
    foreignChanges: ours ? [] : changed.map((c) => `${c} by ${foreign} rows of other clients`),
  };
}
