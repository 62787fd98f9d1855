import { expect } from 'vitest';
import { ORDER_INSTANCES, type OrderInstance } from './config.js';
import { eventually } from './eventually.js';
import { readiness } from './api.js';
import { scrape } from './metrics.js';

export interface InstanceRole {
  instance: OrderInstance;
  /** What /ready says (undefined when the instance does not answer). */
  role: string | undefined;
  /** stream_consumer_active from /metrics (undefined when the instance does not answer). */
  metricActive: number | undefined;
  appliedOffset: unknown;
}

/** Asks each running order-service instance for its role, by /ready and by stream_consumer_active. */
export async function observeRoles(instances: OrderInstance[] = ORDER_INSTANCES): Promise<InstanceRole[]> {
  return Promise.all(
    instances.map(async (instance) => {
      try {
        const [ready, metrics] = await Promise.all([readiness(instance.url), scrape(instance.url)]);
        return {
          instance,
          role: ready.body.role,
          metricActive: metrics.has('stream_consumer_active') ? metrics.sum('stream_consumer_active') : undefined,
          appliedOffset: ready.body.applied_offset,
        };
      } catch {
        return { instance, role: undefined, metricActive: undefined, appliedOffset: undefined };
      }
    }),
  );
}

/**
 * Waits until exactly one of `instances` is active and every other one is standby, by /ready and by
 * stream_consumer_active alike; returns the active one.
 */
export async function awaitSingleActive(
  instances: OrderInstance[] = ORDER_INSTANCES,
  timeoutMs = 15_000,
): Promise<{ active: OrderInstance; standbys: OrderInstance[] }> {
  return eventually(
    async () => {
      const roles = await observeRoles(instances);
      const summary = roles.map((r) => `${r.instance.name}: ${r.role}/${r.metricActive}`).join(', ');
      const active = roles.filter((r) => r.role === 'active');
      expect(active.length, `exactly one active (${summary})`).toBe(1);
      for (const r of roles) {
        expect(r.role, `${r.instance.name} role (${summary})`).toBe(r === active[0] ? 'active' : 'standby');
        expect(r.metricActive, `${r.instance.name} stream_consumer_active (${summary})`).toBe(r === active[0] ? 1 : 0);
      }
      return { active: active[0]!.instance, standbys: roles.filter((r) => r !== active[0]).map((r) => r.instance) };
    },
    { timeoutMs, intervalMs: 100, what: `exactly one active order-service among ${instances.map((i) => i.name).join(', ')}` },
  );
}
