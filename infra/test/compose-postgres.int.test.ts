/**
 * The compose path's PostgreSQL init scripts (infra/postgres/*, run by the image's docker-entrypoint-initdb.d as
 * the superuser on an empty volume), run the same way against a server of the test's own: each service's role
 * owns its database only and cannot connect to the other's, the tools' role app reads both, nobody else connects.
 */
import { copyFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '@demo/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTemporaryPostgres, type TemporaryPostgres } from './support/temporary-postgres.js';

let server: TemporaryPostgres;
const passwords = { CUSTOMER_SERVICE_DB_PASSWORD: 'customer-pw-0123456789', ORDER_SERVICE_DB_PASSWORD: 'order-pw-0123456789' };

async function as(user: string, password: string, database: string, sql = 'SELECT 1 AS ok'): Promise<unknown[]> {
  const client = new pg.Client({ host: '127.0.0.1', port: server.port, user, password, database, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

/** The SQLSTATE an attempt ends with, or 'ok'. */
async function outcome(attempt: Promise<unknown>): Promise<string> {
  return attempt.then(
    () => 'ok',
    (error: { code?: string; message: string }) => error.code ?? error.message,
  );
}

beforeAll(async () => {
  server = await startTemporaryPostgres({ hba: ['host all all 127.0.0.1/32 scram-sha-256'] });
  await server.asSuperuser('psql', ['-c', "CREATE ROLE stranger LOGIN PASSWORD 'stranger-pw'"]);
  // As docker-entrypoint.sh does: each file in name order, *.sql through psql, *.sh with the container's environment.
  for (const file of readdirSync(path.join(REPO_ROOT, 'infra/postgres')).sort()) {
    const copy = path.join(server.socketDir, file);
    copyFileSync(path.join(REPO_ROOT, 'infra/postgres', file), copy);
    if (file.endsWith('.sql')) await server.asSuperuser('psql', ['-v', 'ON_ERROR_STOP=1', '--no-psqlrc', '--username', 'postgres', '--dbname', 'postgres', '-f', copy]);
    else await server.asSuperuser('bash', [copy], { ...passwords, POSTGRES_USER: 'postgres', POSTGRES_DB: 'postgres' });
  }
}, 60_000);

afterAll(async () => {
  await server?.stop();
}, 30_000);

describe('the compose init scripts of PostgreSQL', () => {
  it('let each service migrate its own database with its own password', async () => {
    await as('customer_service', passwords.CUSTOMER_SERVICE_DB_PASSWORD, 'customer_db', 'CREATE TABLE customers (id int); INSERT INTO customers VALUES (1)');
    await as('order_service', passwords.ORDER_SERVICE_DB_PASSWORD, 'order_db', 'CREATE TABLE customers (id int)');
  });

  it("keep each service out of the other's database", async () => {
    expect(await outcome(as('order_service', passwords.ORDER_SERVICE_DB_PASSWORD, 'customer_db'))).toBe('42501');
    expect(await outcome(as('customer_service', passwords.CUSTOMER_SERVICE_DB_PASSWORD, 'order_db'))).toBe('42501');
    expect(await outcome(as('stranger', 'stranger-pw', 'customer_db'))).toBe('42501');
    expect(await outcome(as('customer_service', 'a wrong password', 'customer_db'))).toBe('28P01');
    // and from creating databases or roles
    expect(await outcome(as('customer_service', passwords.CUSTOMER_SERVICE_DB_PASSWORD, 'customer_db', 'CREATE DATABASE other'))).toBe('42501');
  });

  it('let the tools read both databases and create their test databases', async () => {
    expect(await as('app', 'app', 'customer_db', 'SELECT count(*)::int AS n FROM customers')).toEqual([{ n: 1 }]);
    expect(await outcome(as('app', 'app', 'customer_db', 'INSERT INTO customers VALUES (2)'))).toBe('42501');
    await as('app', 'app', 'postgres', 'CREATE DATABASE test_compose_init');
  });
});
