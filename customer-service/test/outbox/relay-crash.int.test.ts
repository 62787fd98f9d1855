import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeApp,
  dropResources,
  duplicates,
  makeBacklog,
  openDatabase,
  readStream,
  type ServiceProcess,
  spawnService,
  startApp,
  testResources,
  until,
  versionsOutOfOrder,
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

async function outboxState() {
  const result = await pool.query<{ total: number; assigned: number }>(
    'SELECT count(*)::int AS total, count(publishing_id)::int AS assigned FROM outbox',
  );
  return result.rows[0] ?? { total: 0, assigned: 0 };
}

describe('relay killed with SIGKILL while publishing a backlog', () => {
  it('publishes every outbox event exactly once, in version order per customer, after a restart', async () => {
    // Given a backlog written while no relay runs
    const writer = await startApp(resources, { relay: false });
    const expected = await makeBacklog(writer, 3000, 2);
    await closeApp(writer);
    expect((await outboxState()).total).toBe(expected);

    // When the service is killed while publishing, until one kill lands with rows sent but not confirmed
    let inFlightKills = 0;
    let kills = 0;
    let atKill = await outboxState();
    for (let attempt = 1; attempt <= 10 && inFlightKills === 0; attempt++) {
      const service = await spawnService(resources, `crash-${attempt}`, { OUTBOX_BATCH_SIZE: '200' });
      processes.push(service);
      const startTotal = (await outboxState()).total;
      const deadline = Date.now() + 30_000;
      for (;;) {
        const state = await outboxState(); // no sleep: the window between two cycles is short
        if (state.assigned > 0 && state.total < startTotal) break;
        if (Date.now() > deadline) throw new Error('publishing never got under way');
      }
      service.child.kill('SIGKILL');
      await service.exited;
      kills++;
      atKill = await outboxState();
      if (atKill.total === 0) break; // the backlog went through before the kill landed
      if (atKill.assigned > 0) inFlightKills++;
    }
    expect(inFlightKills).toBe(1); // killed with publishing ids committed but rows not confirmed

    const second = await spawnService(resources, 'crash-restart', { OUTBOX_BATCH_SIZE: '200' });
    processes.push(second);
    await until(async () => (await outboxState()).total === 0, 60_000, 'outbox drained after restart');

    // Then
    const reader = await readStream(resources.stream);
    try {
      await until(() => reader.events.length >= expected, 30_000, `${expected} events`);
      expect(duplicates(reader.events)).toEqual([]);
      expect(reader.events).toHaveLength(expected);
      expect(versionsOutOfOrder(reader.events)).toEqual([]);
    } finally {
      await reader.close();
    }
    console.log(
      `relay-crash: ${expected} events, ${kills} kill(s); at the last ${atKill.total} rows were left, ${atKill.assigned} holding a publishing id`,
    );
  });
});
