/**
 * Every protected route of every instance, without a token, with a token nobody has, and with a valid token of
 * another scope: 401, 401 and 403, a body of `{error, message}` only, holding nothing of the run's customers. A
 * GET with its own token answers something else (the control: the route exists and the token works). Nothing
 * else is sent with the right token: the POST routes act on parked events.
 */
import { randomBytes } from 'node:crypto';
import { request, type HttpAnswer } from '../http.js';
import { probe, type Probe } from './probe.js';
import { concretePath, mergeRoutes, MUST_BE_PROTECTED, protectedRoutesOf, undocumented, type ProtectedRoute, type Scope } from './routes.js';

export interface Target {
  /** customer, order-1, ... */
  name: string;
  kind: 'customer' | 'order';
  url: string;
}

export type Tokens = Partial<Record<Scope, string>>;

/** What an answer to a refused request must look like: the status, a challenge on 401, `{error, message}` and nothing of the run. */
export function refusalProblems(answer: HttpAnswer, status: 401 | 403, secrets: string[]): string[] {
  const problems: string[] = [];
  if (answer.status !== status) problems.push(`answered ${answer.status}`);
  const body = answer.json as Record<string, unknown> | undefined;
  const keys = body && typeof body === 'object' ? Object.keys(body).sort().join(',') : '(not JSON)';
  if (keys !== 'error,message') problems.push(`body keys ${keys}`);
  if (body?.error !== (status === 401 ? 'unauthorized' : 'forbidden')) problems.push(`error ${String(body?.error)}`);
  if (status === 401 && !/^Bearer\b/.test(answer.headers.get('www-authenticate') ?? '')) problems.push('no WWW-Authenticate: Bearer');
  for (const secret of secrets) if (answer.text.includes(secret)) problems.push('the body holds data of the run');
  return problems;
}

/** A valid token of another scope than `scope`, when the system has one that differs from `scope`'s own. */
function otherScopeToken(scope: Scope, tokens: Tokens): { scope: Scope; token: string } | undefined {
  const own = tokens[scope];
  for (const other of ['reader', 'operator', 'metrics'] as const) {
    const token = tokens[other];
    if (other !== scope && token && token !== own) return { scope: other, token };
  }
  return undefined;
}

async function send(target: Target, route: ProtectedRoute, path: string, token?: string): Promise<HttpAnswer> {
  const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
  // A body where the route takes one: refused before it is read.
  const body = route.method === 'GET' ? undefined : JSON.stringify({ note: 'security suite' });
  if (body) headers['content-type'] = 'application/json';
  return request(`${target.url}${path}`, { method: route.method, headers, body, timeoutMs: 5_000 });
}

/** A well-formed token that no scope has. */
export function unknownToken(): string {
  return randomBytes(32).toString('hex');
}

export async function checkProtectedRoutes(targets: Target[], tokens: Tokens, run: { customerId: string; secrets: string[]; unknownToken: string }): Promise<Probe[]> {
  const probes: Probe[] = [];
  for (const kind of ['customer', 'order'] as const) {
    const instances = targets.filter((target) => target.kind === kind);
    const document = await request(`${instances[0]!.url}/docs/json`, { timeoutMs: 5_000 });
    const documented = protectedRoutesOf(document.json);
    const missing = undocumented(MUST_BE_PROTECTED[kind], documented);
    probes.push(
      probe('auth', `${kind}-service's OpenAPI document: the routes that need a token`, 'every operator and reader route listed', missing.length === 0 ? `${documented.length} routes` : `missing: ${missing.join(', ')}`, missing.length === 0),
    );
    const routes = mergeRoutes(documented, MUST_BE_PROTECTED[kind]);
    if (tokens.metrics) routes.push({ method: 'GET', path: '/metrics', scope: 'metrics' });
    for (const route of routes) {
      const path = concretePath(route.path, run.customerId);
      const other = otherScopeToken(route.scope, tokens);
      const seen: string[] = [];
      const problems: string[] = [];
      for (const instance of instances) {
        const answers: string[] = [];
        const check = async (label: string, token: string | undefined, status: 401 | 403) => {
          const answer = await send(instance, route, path, token);
          answers.push(String(answer.status));
          for (const problem of refusalProblems(answer, status, run.secrets)) problems.push(`${instance.name} ${label}: ${problem}`);
        };
        await check('no token', undefined, 401);
        await check('unknown token', run.unknownToken, 401);
        if (other) await check(`${other.scope}'s token`, other.token, 403);
        const own = tokens[route.scope];
        if (route.method === 'GET' && own) {
          const answer = await send(instance, route, path, own);
          answers.push(`own ${answer.status}`);
          if (answer.status === 401 || answer.status === 403) problems.push(`${instance.name} with its own token: ${answer.status}`);
        }
        seen.push(answers.join('/'));
      }
      const distinct = [...new Set(seen)];
      probes.push(
        probe(
          'auth',
          `${route.method} ${route.path} on ${instances.map((i) => i.name).join(', ')}: no token, unknown token${other ? `, ${other.scope}'s token` : ''}`,
          `401, 401${other ? ', 403' : ''}; {error, message} only`,
          `${distinct.length === 1 ? distinct[0] : seen.join(' | ')}${problems.length > 0 ? `: ${problems.slice(0, 3).join('; ')}` : ''}`,
          problems.length === 0,
        ),
      );
    }
  }
  return probes;
}
