/** Which routes of a service need a bearer token, from its OpenAPI document and from what must never be open. Pure. */

export type Scope = 'operator' | 'reader' | 'metrics';

export interface ProtectedRoute {
  method: string;
  /** The OpenAPI path, e.g. /admin/parked-events/{offset}/retry. */
  path: string;
  scope: Scope;
}

const SCHEME_SCOPES: Record<string, Scope> = { operatorToken: 'operator', readerToken: 'reader', metricsToken: 'metrics' };

interface OpenApiDocument {
  paths?: Record<string, Record<string, { security?: Array<Record<string, unknown>> }>>;
}

/** Every operation whose security names one of the services' schemes. */
export function protectedRoutesOf(document: unknown): ProtectedRoute[] {
  const routes: ProtectedRoute[] = [];
  for (const [path, operations] of Object.entries((document as OpenApiDocument).paths ?? {})) {
    for (const [method, operation] of Object.entries(operations)) {
      const scheme = (operation.security ?? []).flatMap((requirement) => Object.keys(requirement)).find((name) => name in SCHEME_SCOPES);
      if (scheme) routes.push({ method: method.toUpperCase(), path, scope: SCHEME_SCOPES[scheme]! });
    }
  }
  return routes;
}

/**
 * What must need a token whatever a service's document says (README, Security): a route missing from its
 * document, or documented as open, is a failure of the suite, not a route it forgets to try.
 */
export const MUST_BE_PROTECTED: Record<'customer' | 'order', ProtectedRoute[]> = {
  customer: [
    { method: 'GET', path: '/customers', scope: 'reader' },
    { method: 'GET', path: '/internal/snapshot', scope: 'operator' },
  ],
  order: [
    { method: 'GET', path: '/replica/customers/{id}', scope: 'operator' },
    { method: 'GET', path: '/admin/parked-events', scope: 'operator' },
    { method: 'POST', path: '/admin/parked-events/{offset}/retry', scope: 'operator' },
    { method: 'POST', path: '/admin/parked-events/{offset}/discard', scope: 'operator' },
    { method: 'POST', path: '/admin/parked-events/retry-all', scope: 'operator' },
    { method: 'POST', path: '/admin/parked-events/discard-all', scope: 'operator' },
  ],
};

/** The required routes the document does not protect, as `METHOD path`. */
export function undocumented(required: ProtectedRoute[], documented: ProtectedRoute[]): string[] {
  return required
    .filter((route) => !documented.some((doc) => doc.method === route.method && doc.path === route.path && doc.scope === route.scope))
    .map((route) => `${route.method} ${route.path} (${route.scope})`);
}

/** Documented and required routes, once each. */
export function mergeRoutes(...lists: ProtectedRoute[][]): ProtectedRoute[] {
  const seen = new Map<string, ProtectedRoute>();
  for (const route of lists.flat()) seen.set(`${route.method} ${route.path}`, route);
  return [...seen.values()];
}

/** A concrete path for an OpenAPI path: `{id}` a UUID, `{offset}` 0, any other parameter `x`. */
export function concretePath(path: string, id: string): string {
  return path.replace(/\{(\w+)\}/g, (_whole, name: string) => (name === 'offset' ? '0' : name.endsWith('id') ? id : 'x'));
}
