import { accessSync, constants } from 'node:fs';

/**
 * TLS to PostgreSQL is set in the URL, with node-postgres's own parameters, so that it reaches every connection a
 * process opens from that URL (pools, the relay's and the listener's clients, the admin connection that creates a
 * missing database): `?sslmode=verify-full&sslrootcert=/path/ca.pem` (plus `sslcert` and `sslkey` for a client
 * certificate). Without TLS parameters in the URL, node-postgres reads PGSSLMODE (with Node's default CAs).
 *
 * node-postgres's modes are not libpq's: `require`, `verify-ca` and `prefer` verify the certificate and the host
 * name like `verify-full` (libpq's meaning with `uselibpqcompat=true`); `no-verify` encrypts without verifying.
 */
export const SSL_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'] as const;

/** What is wrong with the TLS parameters of a database URL held in `variable`, one line each; none when fine (the files it names must be readable). */
export function databaseTlsProblems(variable: string, url: string): string[] {
  let params: URLSearchParams;
  try {
    params = new URL(url).searchParams;
  } catch {
    return []; // the URL's own pattern check reports it
  }
  const problems: string[] = [];
  const mode = params.get('sslmode');
  if (mode !== null && !(SSL_MODES as readonly string[]).includes(mode)) {
    problems.push(`${variable}: sslmode must be one of ${SSL_MODES.join(', ')} (got "${mode}")`);
  }
  if (params.has('sslcert') !== params.has('sslkey')) problems.push(`${variable}: sslcert and sslkey go together (a client certificate and its key)`);
  for (const name of ['sslrootcert', 'sslcert', 'sslkey']) {
    const file = params.get(name);
    if (file !== null) problems.push(...unreadable(`${variable} ${name}`, file));
  }
  return problems;
}

/** `[]` when `file` can be read, else one line naming `what` and why. */
export function unreadable(what: string, file: string): string[] {
  try {
    accessSync(file, constants.R_OK);
    return [];
  } catch (error) {
    return [`${what}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`];
  }
}
