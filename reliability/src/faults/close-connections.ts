/**
 * Fault 6: the broker closes every connection (rabbitmqctl close_all_connections, which closes
 * stream connections too; the management API is the fallback). Recovery = until the services
 * have as many stream connections as before, all new, and report healthy.
 */
import { pollUntil, since } from '../poll.js';
import type { Fault, FaultOutcome } from './fault.js';

/** The services' own stream connections (named after INSTANCE_ID by scripts/services.sh); other clients of the shared broker are not waited for. */
const isService = (name: string) => name === 'customer' || name.startsWith('order-service ');

export const closeConnections: Fault = {
  name: 'close-connections',
  async inject(context): Promise<FaultOutcome> {
    const { system, log } = context;
    // The management API lists a connection some seconds after it opened (its statistics interval): after an
    // earlier fault restarted the broker, wait until it lists customer-service and every order instance.
    const expected = ['customer', ...system.settings.orders.map((order) => `order-service ${order.name}`)];
    const before = await pollUntil(
      async () => {
        const listed = (await system.streamConnections()).filter((c) => isService(c.connectionName));
        return expected.every((name) => listed.some((c) => c.connectionName === name || c.connectionName.startsWith(`${name} `))) ? listed : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250, what: `the management API to list the stream connections of ${expected.join(', ')}` },
    );
    const start = performance.now();
    const output = await system.closeAllConnections('chaos');
    let survivors = (await system.streamConnections()).filter((c) => before.some((b) => b.name === c.name));
    let via = 'rabbitmqctl close_all_connections';
    if (survivors.length > 0) {
      via = 'the management API (rabbitmqctl left stream connections open)';
      await system.closeStreamConnectionsViaApi();
      survivors = (await system.streamConnections()).filter((c) => before.some((b) => b.name === c.name));
    }
    log(`closed connections with ${via}: ${output.split('\n').pop() ?? ''}; ${before.length} stream connections of the services before`);
    await pollUntil(
      async () => {
        const now = (await system.streamConnections()).filter((c) => isService(c.connectionName));
        const fresh = now.filter((c) => !before.some((b) => b.name === c.name));
        return fresh.length >= before.length && (await system.healthy());
      },
      { timeoutMs: 120_000, intervalMs: 50, what: 'the services to open new stream connections' },
    );
    const recoveryMs = since(start);
    log(`services reconnected after ${recoveryMs} ms`);
    return {
      injected: `closed all ${before.length} stream connections (${via.split(' (')[0]})`,
      recoveryMs,
      details: [`reconnected ${recoveryMs} ms`],
      problems: survivors.length > 0 ? [`${survivors.length} stream connections survived the close`] : [],
      window: { start, end: performance.now() },
    };
  },
};
