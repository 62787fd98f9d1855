import { addHistograms, diffHistograms, histogram, histogramQuantile, total, type Histogram, type Sample } from './prometheus.js';
import { memoryOf, scrape, type ServiceRef } from './services.js';

/** One second of the run, as charted in the report. */
export interface TimePoint {
  tS: number;
  phase: string;
  createsPerS: number;
  updatesPerS: number;
  ordersPerS: number;
  replicationLagP50Ms?: number;
  replicationLagP99Ms?: number;
  outboxLagP99Ms?: number;
  outboxPending?: number;
  consumerLagEvents?: number;
  rssMb: Record<string, number>;
}

export interface Throughput {
  creates: number;
  updates: number;
  orders: number;
}

export async function scrapeAll(services: readonly ServiceRef[]): Promise<Map<string, Sample[] | undefined>> {
  const entries = await Promise.all(services.map(async (s) => [s.name, await scrape(s.url)] as const));
  return new Map(entries);
}

/** Histogram of `name` (its series with the labels of `where`) summed over every service, each diffed against its own earlier scrape. */
export function intervalHistogram(
  name: string,
  after: Map<string, Sample[] | undefined>,
  before: Map<string, Sample[] | undefined> | undefined,
  where: Record<string, string> = {},
): Histogram | undefined {
  let sum: Histogram | undefined;
  for (const [service, samples] of after) {
    if (!samples) continue;
    const previous = before?.get(service);
    const diff = diffHistograms(histogram(samples, name, where), previous ? histogram(previous, name, where) : undefined);
    sum = addHistograms(sum, diff);
  }
  return sum;
}

function gauge(scrapes: Map<string, Sample[] | undefined>, name: string): number | undefined {
  let sum: number | undefined;
  for (const samples of scrapes.values()) {
    const value = samples ? total(samples, name) : undefined;
    if (value !== undefined) sum = (sum ?? 0) + value;
  }
  return sum;
}

const ms = (seconds: number | undefined) => (seconds === undefined ? undefined : seconds * 1000);

/**
 * Every second: the request rates, the services' lag histograms over that second and their
 * gauges, and each process's resident memory (its peak is kept apart, sampled or from VmHWM).
 */
export function createSampler(services: readonly ServiceRef[], startedAt: number, counts: () => Throughput, phase: () => string) {
  const points: TimePoint[] = [];
  const peakRss = new Map<string, number>();
  let previous: Map<string, Sample[] | undefined> | undefined;
  let previousCounts = counts();
  let busy = false;
  // Summed per-second diffs: a service restarted mid-run only loses the second it restarted in.
  const totals: { replication?: Histogram; outbox?: Histogram } = {};

  async function tick() {
    if (busy) return;
    busy = true;
    try {
      const now = counts();
      const scrapes = await scrapeAll(services);
      const rssMb: Record<string, number> = {};
      for (const service of services) {
        const memory = await memoryOf(service);
        const fromMetrics = total(scrapes.get(service.name) ?? [], 'process_resident_memory_bytes');
        const rss = memory?.rssBytes ?? fromMetrics;
        if (rss === undefined) continue;
        rssMb[service.name] = rss / 2 ** 20;
        peakRss.set(service.name, Math.max(peakRss.get(service.name) ?? 0, rss));
      }
      const replication = previous ? intervalHistogram('replication_lag_seconds', scrapes, previous) : undefined;
      const outbox = previous ? intervalHistogram('outbox_publish_lag_seconds', scrapes, previous) : undefined;
      totals.replication = addHistograms(totals.replication, replication);
      totals.outbox = addHistograms(totals.outbox, outbox);
      points.push({
        tS: Math.round((Date.now() - startedAt) / 100) / 10,
        phase: phase(),
        createsPerS: now.creates - previousCounts.creates,
        updatesPerS: now.updates - previousCounts.updates,
        ordersPerS: now.orders - previousCounts.orders,
        replicationLagP50Ms: replication?.count ? ms(histogramQuantile(replication, 0.5)) : undefined,
        replicationLagP99Ms: replication?.count ? ms(histogramQuantile(replication, 0.99)) : undefined,
        outboxLagP99Ms: outbox?.count ? ms(histogramQuantile(outbox, 0.99)) : undefined,
        outboxPending: gauge(scrapes, 'outbox_pending'),
        consumerLagEvents: gauge(scrapes, 'stream_consumer_lag_events'),
        rssMb,
      });
      previous = scrapes;
      previousCounts = now;
    } finally {
      busy = false;
    }
  }

  const timer = setInterval(() => void tick().catch(() => undefined), 1_000);
  timer.unref();
  return {
    points,
    /** Highest resident set sampled during the run, per service, in bytes. */
    peakRss,
    /** Lag histograms of everything observed since the sampler started. */
    totals,
    /** One more sample now (waits for one in flight), so that the totals cover the run's end. */
    async tick() {
      while (busy) await new Promise((resolve) => setTimeout(resolve, 20));
      await tick();
    },
    async stop() {
      clearInterval(timer);
      while (busy) await new Promise((resolve) => setTimeout(resolve, 20));
    },
  };
}
export type Sampler = ReturnType<typeof createSampler>;
