import { until } from '@demo/test-support';
import { describe, expect, it } from 'vitest';
import { makeBacklog } from '../support/api.js';
import { closeApp, startApp } from '../support/app.js';
import { useServiceProcesses } from '../support/processes.js';
import { duplicates, readStream, versionsOutOfOrder } from '../support/stream.js';

const services = useServiceProcesses();

describe('relay killed with SIGKILL while publishing a backlog', () => {
  it('publishes every outbox event exactly once, in version order per customer, after a restart', async () => {
    // Given a backlog written while no relay runs
    const writer = await startApp(services.resources, { relay: false });
    const expected = await makeBacklog(writer, 3000, 2);
    await closeApp(writer);
    expect((await services.outbox()).total).toBe(expected);

    // When the service is killed while publishing, until one kill lands with rows sent but not confirmed
    let inFlightKills = 0;
    let kills = 0;
    let atKill = await services.outbox();
    for (let attempt = 1; attempt <= 10 && inFlightKills === 0; attempt++) {
      const service = await services.spawn(`crash-${attempt}`, { OUTBOX_BATCH_SIZE: '200' });
      const startTotal = (await services.outbox()).total;
      const deadline = Date.now() + 30_000;
      for (;;) {
        const state = await services.outbox(); // no sleep: the window between two cycles is short
        if (state.assigned > 0 && state.total < startTotal) break;
        if (Date.now() > deadline) throw new Error('publishing never got under way');
      }
      service.kill('SIGKILL');
      await service.exited;
      kills++;
      atKill = await services.outbox();
      if (atKill.total === 0) break; // the backlog went through before the kill landed
      if (atKill.assigned > 0) inFlightKills++;
    }
    expect(inFlightKills).toBe(1); // killed with publishing ids committed but rows not confirmed

    await services.spawn('crash-restart', { OUTBOX_BATCH_SIZE: '200' });
    await until(async () => (await services.outbox()).total === 0, 60_000, 'outbox drained after restart');

    // Then
    const reader = await readStream(services.resources.stream);
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
