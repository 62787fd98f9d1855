import type { IncomingHttpHeaders } from 'node:http';

/** Recorded when a request names no operator. */
export const UNKNOWN_OPERATOR = 'unknown';

/**
 * Who performs an operator action, for the audit trail: the X-Operator header (validated by the
 * route's schema), else 'unknown'. Once operator routes are authenticated, the authenticated
 * identity is the one to record here.
 */
export function operatorOf(request: { headers: IncomingHttpHeaders }): string {
  const header = request.headers['x-operator'];
  const name = (Array.isArray(header) ? header[0] : header)?.trim();
  return name ? name : UNKNOWN_OPERATOR;
}
