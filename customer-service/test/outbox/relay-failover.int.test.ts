import { until, type ServiceProcess } from '@demo/test-support';
import { describe, expect, it } from 'vitest';
import { customerInput } from '../support/api.js';
import { useServiceProcesses } from '../support/processes.js';
import { duplicates, readStream } from '../support/stream.js';

const services = useServiceProcesses();

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
  const result = await services.pool.query<{ application_name: string }>(
    `SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
     WHERE l.locktype = 'advisory' AND l.granted AND a.datname = current_database()
       AND a.application_name LIKE 'customer-service relay %'`,
  );
  return result.rows.map((row) => row.application_name);
}

const outboxDrained = async () => (await services.outbox()).total === 0;

describe('two instances', () => {
  it('run one relay; when its instance dies (SIGKILL) the other takes over and nothing is lost or doubled', async () => {
    // Given two instances
    const a = await services.spawn('instance-a');
    const b = await services.spawn('instance-b');
    await until(async () => (await lockHolders()).length === 1, 15_000, 'one relay');
    const roles = await Promise.all([services.relayRoleOf(a), services.relayRoleOf(b)]);
    expect(roles.sort()).toEqual(['active', 'standby']);
    expect(await lockHolders()).toHaveLength(1);
    const aIsActive = (await services.relayRoleOf(a)) === 'active';
    const [active, standby] = aIsActive ? [a, b] : [b, a];
    expect(await lockHolders()).toEqual([`customer-service relay ${aIsActive ? 'instance-a' : 'instance-b'}`]);

    // When writes go through both, then the active instance dies and writes go on through the other
    const early = [...(await createVia(standby, 10, 'corr-standby')), ...(await createVia(active, 10, 'corr-active'))];
    await until(outboxDrained, 15_000, 'outbox drained');
    active.kill('SIGKILL');
    await active.exited;
    const late = await createVia(standby, 20, 'corr-after-failover');

    // Then the survivor becomes the relay and publishes everything once
    await until(async () => (await services.relayRoleOf(standby)) === 'active', 15_000, 'standby took over');
    expect(await lockHolders()).toHaveLength(1);
    await until(outboxDrained, 15_000, 'outbox drained again');
    const reader = await readStream(services.resources.stream);
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
