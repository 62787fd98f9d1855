import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CommonEnv, ConfigError, loadConfig, serviceEnv, SystemEnv } from '../src/config.js';

const dir = mkdtempSync(path.join(tmpdir(), 'tls-settings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ca = path.join(dir, 'ca.pem');
writeFileSync(ca, '-----BEGIN CERTIFICATE-----\n');
const missing = path.join(dir, 'no-such.pem');
const Env = serviceEnv({ port: 8080, database: 'customer_db' });

function refusal(load: () => unknown): string {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('the settings were accepted');
}

describe('TLS settings of the stream connections', () => {
  it('are off by default, and checking on', () => {
    expect(loadConfig(CommonEnv, {})).toMatchObject({ RABBITMQ_TLS: false, RABBITMQ_TLS_REJECT_UNAUTHORIZED: true });
    expect(loadConfig(CommonEnv, { RABBITMQ_TLS: 'true', RABBITMQ_TLS_CA_FILE: ca })).toMatchObject({ RABBITMQ_TLS: true, RABBITMQ_TLS_CA_FILE: ca });
    expect(loadConfig(SystemEnv, { RABBITMQ_TLS: 'true', RABBITMQ_TLS_REJECT_UNAUTHORIZED: 'false' })).toMatchObject({ RABBITMQ_TLS: true, RABBITMQ_TLS_REJECT_UNAUTHORIZED: false });
  });

  it.each([
    [{ RABBITMQ_TLS: 'yes' }, /^invalid configuration: RABBITMQ_TLS /],
    [{ RABBITMQ_TLS_CA_FILE: ca }, /RABBITMQ_TLS_CA_FILE set but RABBITMQ_TLS is not true/],
    [{ RABBITMQ_TLS: 'true', RABBITMQ_TLS_CA_FILE: missing }, new RegExp(`RABBITMQ_TLS_CA_FILE: cannot read ${missing} \\(ENOENT\\)`)],
    [{ RABBITMQ_TLS: 'true', RABBITMQ_TLS_CERT_FILE: ca }, /RABBITMQ_TLS_CERT_FILE and RABBITMQ_TLS_KEY_FILE go together/],
  ])('refuses %j at start, naming the variable', (env, message) => {
    expect(refusal(() => loadConfig(Env, env))).toMatch(message);
  });
});

describe('TLS settings of the database connections (in the URL)', () => {
  const url = (query: string) => `postgres://app:app@db.example:5432/customer_db?${query}`;

  it.each(['sslmode=verify-full', `sslmode=verify-full&sslrootcert=${ca}`, 'sslmode=no-verify', 'sslmode=disable', `sslrootcert=${ca}`])('accepts %s', (query) => {
    expect(loadConfig(Env, { DATABASE_URL: url(query) }).DATABASE_URL).toBe(url(query));
  });

  it.each([
    ['DATABASE_URL', 'sslmode=verify_full', /DATABASE_URL: sslmode must be one of disable, prefer, require, verify-ca, verify-full, no-verify \(got "verify_full"\)/],
    ['DATABASE_URL', `sslmode=verify-full&sslrootcert=${missing}`, new RegExp(`DATABASE_URL sslrootcert: cannot read ${missing} \\(ENOENT\\)`)],
    ['DATABASE_URL', `sslcert=${ca}`, /DATABASE_URL: sslcert and sslkey go together/],
    ['CUSTOMER_DATABASE_URL', 'sslmode=on', /CUSTOMER_DATABASE_URL: sslmode must be one of/],
  ])('refuses %s with %s at start, naming it', (variable, query, message) => {
    const env = variable === 'DATABASE_URL' ? Env : SystemEnv;
    expect(refusal(() => loadConfig(env, { [variable]: url(query) }))).toMatch(message);
  });
});
