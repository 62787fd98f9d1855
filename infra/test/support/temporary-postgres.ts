/**
 * A PostgreSQL 15 server of a test's own, from the machine's packages (what scripts/infra.sh installs): initdb in
 * a temporary folder owned by the postgres user, listening on 127.0.0.1 and a socket in that folder, stopped and
 * removed by `stop()`. For what the shared server must not be changed for: its roles, pg_hba.conf, TLS.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, chownSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '@demo/test-support';

const BIN = '/usr/lib/postgresql/15/bin';
const run = promisify(execFile);

export interface TemporaryPostgres {
  port: number;
  /** The folder of its socket: PGHOST for a superuser client (peer-less trust on the socket). */
  socketDir: string;
  /** Runs a command as the postgres user with PGHOST and PGPORT of this server. */
  asSuperuser(command: string, args: string[], env?: Record<string, string>): Promise<string>;
  stop(): Promise<void>;
}

export interface TemporaryPostgresOptions {
  /** pg_hba.conf lines for TCP (the socket always trusts the postgres user). */
  hba: string[];
  /** A server certificate and key (and the CA it sends along): TLS on. */
  tls?: { cert: string; key: string };
}

function postgresIds(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((entry) => entry.startsWith('postgres:'));
  if (!line) throw new Error('no postgres user: install postgresql-15 (scripts/infra.sh up does)');
  const [uid, gid] = line.split(':').slice(2, 4).map(Number);
  return { uid: uid!, gid: gid! };
}

export async function startTemporaryPostgres(options: TemporaryPostgresOptions): Promise<TemporaryPostgres> {
  const { uid, gid } = postgresIds();
  const dir = mkdtempSync(path.join(tmpdir(), 'test-postgres-'));
  chownSync(dir, uid, gid);
  const data = path.join(dir, 'data');
  const port = await freePort();
  const asPostgres = async (command: string, args: string[], env: Record<string, string> = {}) => {
    const { stdout, stderr } = await run('runuser', ['-u', 'postgres', '--', 'env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), command, ...args], {
      cwd: dir,
      timeout: 60_000,
    });
    return stdout + stderr;
  };
  await asPostgres(`${BIN}/initdb`, ['-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=reject', '--no-sync']);
  writeFileSync(path.join(data, 'pg_hba.conf'), ['local all postgres trust', ...options.hba, ''].join('\n'));
  const settings = [`port = ${port}`, "listen_addresses = '127.0.0.1'", `unix_socket_directories = '${dir}'`, 'fsync = off'];
  if (options.tls) {
    for (const [from, to] of [[options.tls.cert, 'server.crt'], [options.tls.key, 'server.key']] as const) {
      copyFileSync(from, path.join(data, to));
      chownSync(path.join(data, to), uid, gid);
    }
    settings.push('ssl = on', "ssl_cert_file = 'server.crt'", "ssl_key_file = 'server.key'");
  }
  appendFileSync(path.join(data, 'postgresql.conf'), `${settings.join('\n')}\n`);
  await run('chmod', ['0600', path.join(data, 'server.key')]).catch(() => undefined);
  await asPostgres(`${BIN}/pg_ctl`, ['-D', data, '-l', path.join(dir, 'log'), '-w', '-t', '30', 'start']);
  const env = { PGHOST: dir, PGPORT: String(port) };
  return {
    port,
    socketDir: dir,
    asSuperuser: (command, args, extra = {}) => asPostgres(command, args, { ...env, ...extra }),
    async stop() {
      await asPostgres(`${BIN}/pg_ctl`, ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
