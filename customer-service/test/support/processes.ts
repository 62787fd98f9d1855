import { freePort, ServiceProcess, until, testPool } from '@demo/test-support';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { createTestResources, type TestResources } from './resources.js';

/**
 * customer-service as real processes (the built dist/src/main.js, `npx tsc -b` first) on a
 * database and stream of the test file's own; whatever still runs is killed after the file.
 */
export function useServiceProcesses() {
  const processes: ServiceProcess[] = [];
  const context = {} as { resources: TestResources; pool: pg.Pool };
  beforeAll(async () => {
    context.resources = await createTestResources();
    context.pool = testPool(context.resources.database.url);
  });
  afterAll(async () => {
    try {
      for (const service of processes) if (service.running) service.kill('SIGKILL');
      await Promise.all(processes.map((service) => service.exited));
    } finally {
      await context.pool?.end();
      await context.resources?.drop();
    }
  });

  return {
    get resources() {
      return context.resources;
    },
    /** For the test's own queries of the service's database. */
    get pool() {
      return context.pool;
    },

    /** Starts an instance named `name` and waits until it answers HTTP (not until it is ready). */
    async spawn(name: string, env: Record<string, string> = {}): Promise<ServiceProcess> {
      const service = new ServiceProcess('customer-service', name, await freePort(), {
        DATABASE_URL: context.resources.database.url,
        STREAM_NAME: context.resources.stream,
        OUTBOX_POLL_MS: '50',
        RELAY_LOCK_RETRY_MS: '200',
        ...env,
      }).start();
      processes.push(service);
      try {
        await until(
          async () => {
            if (!service.running) throw new Error(`${name} exited`);
            return (await service.get('/health'))?.status === 200;
          },
          30_000,
          `${name} listening`,
        );
      } catch (error) {
        throw new Error(`${(error as Error).message}\n${service.tail()}`);
      }
      return service;
    },

    /** What /ready says the instance's relay is (undefined when it does not answer). */
    async relayRoleOf(service: ServiceProcess): Promise<string | undefined> {
      return (await service.get<{ relay?: string }>('/ready'))?.body.relay;
    },

    /** Outbox rows, and how many of them are in the relay's recorded batch (sent, not yet confirmed and deleted). */
    async outbox(): Promise<{ total: number; assigned: number }> {
      const result = await context.pool.query<{ total: number; assigned: number }>(
        `SELECT count(*)::int AS total,
           count(*) FILTER (WHERE id = ANY((SELECT ids FROM outbox_in_flight)::bigint[]))::int AS assigned FROM outbox`,
      );
      return result.rows[0] ?? { total: 0, assigned: 0 };
    },
  };
}
