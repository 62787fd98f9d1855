/**
 * PostgreSQL with each service's own account (.run/credentials.env): each reaches its own database (the control)
 * and cannot read the other's, nor the databases of the system under test when they are others (a second system).
 */
import pg from 'pg';
import { attempt, probe, type Probe } from './probe.js';

async function query(url: string, database: string, sql: string): Promise<unknown[]> {
  const target = new URL(url);
  target.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: target.toString(), connectionTimeoutMillis: 5_000, query_timeout: 5_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const databaseOf = (url: string) => decodeURIComponent(new URL(url).pathname.slice(1));
const roleOf = (url: string) => decodeURIComponent(new URL(url).username);

export async function checkDatabaseAccess(accounts: { customerDatabaseUrl: string; orderDatabaseUrl: string }, system: { customerDbUrl: string; orderDbUrl: string }): Promise<Probe[]> {
  const probes: Probe[] = [];
  const pairs = [
    { own: accounts.customerDatabaseUrl, other: accounts.orderDatabaseUrl, systemOther: system.orderDbUrl },
    { own: accounts.orderDatabaseUrl, other: accounts.customerDatabaseUrl, systemOther: system.customerDbUrl },
  ];
  for (const { own, other, systemOther } of pairs) {
    const role = roleOf(own);
    const mine = await attempt(() => query(own, databaseOf(own), 'SELECT current_user'));
    probes.push(probe('PostgreSQL', `${role} connects to ${databaseOf(own)}`, 'allowed (its own)', mine.ok ? 'allowed' : `refused: ${mine.error}`, mine.ok));
    for (const database of [...new Set([databaseOf(other), databaseOf(systemOther)])]) {
      const read = await attempt(() => query(own, database, 'SELECT count(*) FROM customers'));
      probes.push(
        probe('PostgreSQL', `${role} reads customers of ${database}`, 'refused', read.ok ? `read ${JSON.stringify(read.value)}` : `refused: ${read.error}`, !read.ok && /permission denied|42501/.test(read.error)),
      );
    }
    const create = await attempt(() => query(own, databaseOf(own), 'CREATE DATABASE security_probe_should_not_exist'));
    probes.push(probe('PostgreSQL', `${role} creates a database`, 'refused', create.ok ? 'created' : `refused: ${create.error}`, !create.ok && /permission denied|42501/.test(create.error)));
    if (create.ok) await query(own, databaseOf(own), 'DROP DATABASE security_probe_should_not_exist').catch(() => undefined);
  }
  return probes;
}
