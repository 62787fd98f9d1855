/**
 * TLS to PostgreSQL from the services' settings: the URL's sslmode and sslrootcert (node-postgres's own parameters),
 * against a server of the test's own that accepts TLS connections only, with a certificate the test's CA signed.
 */
import { rmSync } from 'node:fs';
import { createPool, ensureDatabase } from '@demo/service-kit';
import { ConfigError, loadConfig, serviceEnv } from '@demo/service-kit/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCertificates, type TestCertificates } from './support/certificates.js';
import { startTemporaryPostgres, type TemporaryPostgres } from './support/temporary-postgres.js';

let server: TemporaryPostgres;
let certs: TestCertificates;
const url = (database: string, query: string) => `postgres://app:app-pw-0123456789@127.0.0.1:${server.port}/${database}?${query}`;

/** Whether this session is encrypted, as the server sees it. */
async function encrypted(connectionString: string): Promise<boolean> {
  const pool = createPool({ url: connectionString, applicationName: 'tls test', poolSize: 1 });
  try {
    const { rows } = await pool.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    return rows[0]!.ssl;
  } finally {
    await pool.end();
  }
}

async function refusal(connectionString: string): Promise<string> {
  return encrypted(connectionString).then(
    () => 'connected',
    (error: Error) => error.message,
  );
}

beforeAll(async () => {
  certs = makeCertificates(['IP:127.0.0.1', 'DNS:localhost'], 'database-tls');
  server = await startTemporaryPostgres({
    hba: ['hostssl all all 127.0.0.1/32 scram-sha-256', 'hostnossl all all 127.0.0.1/32 reject'],
    tls: { cert: certs.cert, key: certs.key },
  });
  await server.asSuperuser('psql', ['-c', "CREATE ROLE app LOGIN CREATEDB PASSWORD 'app-pw-0123456789'"]);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  // The throwaway CA's and server's keys.
  if (certs) rmSync(certs.dir, { recursive: true, force: true });
}, 30_000);

describe('database connections over TLS', () => {
  it('verify the server against the CA of sslrootcert, for pools and for the connection that creates a database', async () => {
    const verified = url('tls_db', `sslmode=verify-full&sslrootcert=${certs.ca}`);
    expect(loadConfig(serviceEnv({ port: 8080, database: 'x' }), { DATABASE_URL: verified }).DATABASE_URL).toBe(verified);
    await ensureDatabase(verified);
    expect(await encrypted(verified)).toBe(true);
  });

  it('refuse a server whose certificate no trusted CA signed', async () => {
    expect(await refusal(url('postgres', 'sslmode=verify-full'))).toMatch(/self[- ]signed certificate|unable to verify/);
  });

  it('are the only ones this server takes: a connection in clear is refused', async () => {
    expect(await refusal(url('postgres', 'sslmode=disable'))).toMatch(/no encryption/);
  });

  it('follow PGSSLMODE when the URL has no TLS parameters', async () => {
    const before = process.env.PGSSLMODE;
    process.env.PGSSLMODE = 'no-verify';
    try {
      expect(await encrypted(url('postgres', ''))).toBe(true);
    } finally {
      if (before === undefined) delete process.env.PGSSLMODE;
      else process.env.PGSSLMODE = before;
    }
  });

  it('stop a service at start when sslrootcert names no file', () => {
    expect(() => loadConfig(serviceEnv({ port: 8080, database: 'x' }), { DATABASE_URL: url('x', 'sslmode=verify-full&sslrootcert=/no/such/ca.pem') })).toThrow(ConfigError);
  });
});
