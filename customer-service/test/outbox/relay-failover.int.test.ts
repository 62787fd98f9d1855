import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  customerInput,
  dropResources,
  duplicates,
  openDatabase,
  readStream,
  relayRoleOf,
  spawnService,
  testResources,
  until,
  type ServiceProcess,
} from '../support/helpers.js';

const resources = testResources();
let pool: pg.Pool;
const processes: ServiceProcess[] = [];

beforeAll(async () => {
  pool = await openDatabase(resources.databaseUrl);
});
afterAll(async () => {
  for (const service of processes) if (service.child.exitCode === null) service.child.kill('SIGKILL');
  await Promise.all(processes.map((service) => service.exited));
  await pool?.end();
  await dropResources(resources);
});

async function createVia(service: ServiceProcess, count: number, correlationId: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${service.url}/customers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-correlation-id': correlationId },
      body: JSON.stringify(customerInput('failover')),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-correlation-id')).toBe(correlationId);
    ids.push(((await response.json()) as { customer_id: string }).customer_id);
  }
  return ids;
}

/** Sessions holding the relay's advisory lock, by application name. */
async function lockHolders(): Promise<string[]> {
  const result = await pool.query<{ application_name: string }>(
    `SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'advisory' AND l.granted AND a.datname = current_database()
       AND a.application_name LIKE 'customer-service relay %'`,
  );
  return result.rows.map((row) => row.application_name);
}

describe('two instances', () => {
  it('run one relay; when its instance dies (SIGKILL) the other takes over and nothing is lost or doubled', async () => {
    // Given two instances
    const a = await spawnService(resources, 'instance-a');
    const b = await spawnService(resources, 'instance-b');
    processes.push(a, b);
    await until(async () => (await lockHolders()).length === 1, 15_000, 'one relay');
    const roles = await Promise.all([relayRoleOf(a), relayRoleOf(b)]);
    expect(roles.sort()).toEqual(['active', 'standby']);
    expect(await lockHolders()).toHaveLength(1);
    const aIsActive = (await relayRoleOf(a)) === 'active';
    const [active, standby] = aIsActive ? [a, b] : [b, a];
    expect(await lockHolders()).toEqual([`customer-service relay ${aIsActive ? 'instance-a' : 'instance-b'}`]);

    // When writes go through both, then the active instance dies and writes go on through the other
    const early = [...(await createVia(standby, 10, 'corr-standby')), ...(await createVia(active, 10, 'corr-active'))];
    await until(async () => (await pool.query('SELECT 1 FROM outbox')).rowCount === 0, 15_000, 'outbox drained');
    active.child.kill('SIGKILL');
    await active.exited;
    const late = await createVia(standby, 20, 'corr-after-failover');

    // Then the survivor becomes the relay and publishes everything once
    await until(async () => (await relayRoleOf(standby)) === 'active', 15_000, 'standby took over');
    expect(await lockHolders()).toHaveLength(1);
    await until(async () => (await pool.query('SELECT 1 FROM outbox')).rowCount === 0, 15_000, 'outbox drained again');
    const reader = await readStream(resources.stream);
    try {
      await until(() => reader.events.length >= 40, 15_000, '40 events');
      expect(duplicates(reader.events)).toEqual([]);
      expect(reader.events.map((received) => received.event.data.customer_id).sort()).toEqual([...early, ...late].sort());
      const correlation = new Map(reader.events.map((received) => [received.event.data.customer_id, received.annotations.correlation_id]));
      for (const id of late) expect(correlation.get(id)).toBe('corr-after-failover');
      expect(correlation.get(early[0] ?? '')).toBe('corr-standby');
    } finally {
      await reader.close();
    }
  });
});
