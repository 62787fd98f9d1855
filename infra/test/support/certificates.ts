/** A throwaway CA and a server certificate it signed, made with openssl for a test (one day, P-256 keys). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TestCertificates {
  dir: string;
  /** The CA's certificate: what a client trusts. */
  ca: string;
  /** The server's certificate and key, for the names given. */
  cert: string;
  key: string;
}

const openssl = (dir: string, ...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** `names`: the server's subject alternative names, e.g. `IP:127.0.0.1`, `DNS:localhost`. */
export function makeCertificates(names: string[], label = 'test'): TestCertificates {
  const dir = mkdtempSync(path.join(tmpdir(), `${label}-certs-`));
  openssl(dir, 'req', '-x509', ...KEY, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', `/CN=${label} CA`);
  openssl(dir, 'req', ...KEY, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  writeFileSync(path.join(dir, 'server.ext'), `subjectAltName=${names.join(',')}\nextendedKeyUsage=serverAuth\n`);
  openssl(dir, 'x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-out', 'server.pem', '-extfile', 'server.ext');
  return { dir, ca: path.join(dir, 'ca.pem'), cert: path.join(dir, 'server.pem'), key: path.join(dir, 'server.key') };
}
