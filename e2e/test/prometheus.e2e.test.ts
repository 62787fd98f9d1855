/**
 * The real Prometheus (Debian's package, started by scripts/monitoring.sh with infra/prometheus/prometheus.yml,
 * the file docker compose uses too) scrapes the running system; everything is asserted through its HTTP API.
 * Reuses a Prometheus that already answers (make monitoring), otherwise starts one and stops it afterwards.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AS_OPERATOR, CUSTOMER_URL, ORDER_URLS, PROMETHEUS_URL, REPO_ROOT } from './support/config.js';
import { eventually } from './support/eventually.js';

const run = promisify(execFile);

interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}
interface Target {
  labels: Record<string, string>;
  scrapeUrl: string;
  health: 'up' | 'down' | 'unknown';
  lastScrape: string;
  lastError: string;
}

async function prometheusReady(): Promise<boolean> {
  try {
    return (await fetch(`${PROMETHEUS_URL}/-/ready`, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    return false;
  }
}

async function api<T>(endpoint: string, params: Record<string, string> = {}): Promise<T> {
  const response = await fetch(`${PROMETHEUS_URL}/api/v1/${endpoint}?${new URLSearchParams(params)}`);
  const body = (await response.json()) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(`Prometheus ${endpoint} ${JSON.stringify(params)}: ${body.error ?? response.status}`);
  return body.data;
}

/** An instant query; its samples with numeric values. */
async function query(expr: string): Promise<Array<{ labels: Record<string, string>; value: number }>> {
  const data = await api<{ resultType: string; result: Sample[] }>('query', { query: expr });
  return data.result.map((sample) => ({ labels: sample.metric, value: Number(sample.value[1]) }));
}

const serviceUrls = [CUSTOMER_URL, ...ORDER_URLS];
const hostPort = (url: string) => new URL(url).host;
let startedHere = false;
const suiteStart = Date.now();

async function postJson(url: string, body: unknown) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  if (!(await prometheusReady())) {
    await run('bash', ['scripts/monitoring.sh', 'up'], { cwd: REPO_ROOT });
    startedHere = true;
  }
  // Some traffic of its own, so that the labelled counters and the lag histograms have moved even when
  // this file runs alone: a customer (outbox, stream, replica) and an order for it.
  const customer = await postJson(`${CUSTOMER_URL}/customers`, {
    name: 'Prometheus E2E',
    email: `e2e-prometheus-${randomUUID()}@example.com`,
    address: '1 Scrape Street',
  });
  expect(customer.status, JSON.stringify(customer.body)).toBe(201);
  // Read-your-writes is the order suites' subject; here, only wait for the replica (a busy machine may lag).
  const orderUrl = await eventually(
    async () => {
      for (const url of ORDER_URLS) {
        const response = await fetch(`${url}/replica/customers/${String(customer.body.customer_id)}`, { headers: AS_OPERATOR }).catch(() => undefined);
        if (response?.status === 200) return url;
      }
      throw new Error('no order-service instance has the customer in its replica yet');
    },
    { timeoutMs: 30_000, intervalMs: 200, what: 'the customer in the replica' },
  );
  const order = await postJson(`${orderUrl}/orders`, { customer_id: customer.body.customer_id });
  expect(order.status, JSON.stringify(order.body)).toBe(201);
});

afterAll(async () => {
  if (startedHere) await run('bash', ['scripts/monitoring.sh', 'down'], { cwd: REPO_ROOT });
});

describe('Prometheus scraping the running system', () => {
  it('scrapes every service instance and RabbitMQ, and finds each of them up', async () => {
    // Given the targets of the local path
    const expected = {
      'customer-service': [hostPort(CUSTOMER_URL)],
      'order-service': ORDER_URLS.map(hostPort),
      rabbitmq: ['127.0.0.1:15692'],
    };
    // Then a scrape after this suite started found each of them up
    const targets = await eventually(
      async () => {
        const { activeTargets } = await api<{ activeTargets: Target[] }>('targets', { state: 'active' });
        const byJob: Record<string, string[]> = {};
        for (const target of activeTargets) (byJob[target.labels.job!] ??= []).push(target.labels.instance!);
        for (const list of Object.values(byJob)) list.sort();
        expect(byJob).toEqual(expected);
        for (const target of activeTargets) {
          expect(`${target.scrapeUrl} ${target.health} ${target.lastError}`).toBe(`${target.scrapeUrl} up `);
          expect(Date.parse(target.lastScrape), `${target.scrapeUrl} not scraped since the suite started`).toBeGreaterThan(suiteStart);
        }
        return activeTargets;
      },
      { timeoutMs: 30_000, intervalMs: 500, what: 'every target scraped and up' },
    );
    const up = await query('up');
    expect(up).toHaveLength(targets.length);
    for (const sample of up) expect(sample.value, sample.labels.instance).toBe(1);
  });

  it('sees the outbox of customer-service: outbox_pending, a finite count of rows', async () => {
    const pending = await eventually(
      async () => {
        const samples = await query('outbox_pending{job="customer-service"}');
        expect(samples).toHaveLength(1);
        return samples[0]!.value;
      },
      { timeoutMs: 15_000, intervalMs: 500, what: 'outbox_pending scraped' },
    );
    expect(Number.isFinite(pending)).toBe(true);
    expect(pending).toBeGreaterThanOrEqual(0);
    for (const name of ['customers_created_total', 'events_published_total', 'outbox_publish_lag_seconds_count']) {
      expect(await query(`${name}{job="customer-service"}`), name).not.toHaveLength(0);
    }
  });

  it('sees exactly one active order-service instance (stream_consumer_active == 1), the others standing by', async () => {
    await eventually(
      async () => {
        const samples = await query('stream_consumer_active{job="order-service"}');
        expect(samples.map((sample) => sample.labels.instance).sort()).toEqual(ORDER_URLS.map(hostPort).sort());
        for (const sample of samples) expect([0, 1]).toContain(sample.value);
        expect(samples.filter((sample) => sample.value === 1), 'active instances').toHaveLength(1);
      },
      { timeoutMs: 20_000, intervalMs: 500, what: 'exactly one stream_consumer_active == 1' },
    );
    expect(await query('sum(stream_consumer_active)')).toEqual([{ labels: {}, value: 1 }]);
  });

  it('has replication_lag_seconds buckets on every order-service instance, cumulative and consistent with the count', async () => {
    const instances = await eventually(
      async () => {
        const buckets = await query('replication_lag_seconds_bucket{job="order-service"}');
        const found = [...new Set(buckets.map((sample) => sample.labels.instance))].sort();
        expect(found).toEqual(ORDER_URLS.map(hostPort).sort());
        return found;
      },
      { timeoutMs: 15_000, intervalMs: 500, what: 'replication_lag_seconds_bucket scraped' },
    );
    for (const instance of instances) {
      // One scrape's worth of the histogram (same timestamp): buckets never decrease and +Inf is the count.
      const buckets = (await query(`replication_lag_seconds_bucket{instance="${instance}"}`))
        .map((sample) => ({ le: Number(sample.labels.le === '+Inf' ? Infinity : sample.labels.le), value: sample.value }))
        .sort((a, b) => a.le - b.le);
      const [count] = await query(`replication_lag_seconds_count{instance="${instance}"}`);
      expect(buckets.at(-1)!.le).toBe(Infinity);
      for (let i = 1; i < buckets.length; i++) expect(buckets[i]!.value).toBeGreaterThanOrEqual(buckets[i - 1]!.value);
      expect(buckets.at(-1)!.value).toBe(count!.value);
    }
    // The customer created in beforeAll was applied: the active applier observed its lag.
    await eventually(
      async () => {
        const observed = await query('sum(replication_lag_seconds_count)');
        expect(observed[0]?.value ?? 0).toBeGreaterThan(0);
      },
      { timeoutMs: 20_000, intervalMs: 500, what: 'replication_lag_seconds observed an applied event' },
    );
  });

  it('has http_request_duration_seconds buckets per route on all three services', async () => {
    // Given requests to /health on each service, Then a scrape carries them, per instance and route
    await eventually(
      async () => {
        for (const url of serviceUrls) expect((await fetch(`${url}/health`)).status).toBe(200);
        const counts = await query('http_request_duration_seconds_count{route="/health", method="GET", status_code="200"}');
        const instances = counts.filter((sample) => sample.value >= 1).map((sample) => sample.labels.instance);
        expect(instances.sort()).toEqual(serviceUrls.map(hostPort).sort());
      },
      { timeoutMs: 20_000, intervalMs: 500, what: 'GET /health counted by Prometheus on every service' },
    );
    const buckets = await query('count by (instance) (http_request_duration_seconds_bucket{route="/health"})');
    expect(buckets).toHaveLength(serviceUrls.length);
    for (const sample of buckets) expect(sample.value).toBeGreaterThan(1);
  });

  it('sees each process with a plausible resident memory, and RabbitMQ 4 on its own endpoint', async () => {
    const memory = await query('process_resident_memory_bytes{job=~"customer-service|order-service"}');
    expect(memory).toHaveLength(serviceUrls.length);
    for (const sample of memory) {
      expect(sample.value, sample.labels.instance).toBeGreaterThan(10 * 1024 * 1024);
      expect(sample.value, sample.labels.instance).toBeLessThan(1024 * 1024 * 1024);
    }
    const build = await query('rabbitmq_build_info{job="rabbitmq"}');
    expect(build).toHaveLength(1);
    expect(build[0]!.labels.rabbitmq_version).toMatch(/^4\./);
  });

  it('accepts every query of the Grafana dashboard, and each one selects series of the running system', async () => {
    // Given the dashboard's expressions, with Grafana's $__rate_interval as a concrete range
    const dir = path.join(REPO_ROOT, 'infra/grafana/dashboards');
    const expressions = readdirSync(dir)
      .filter((file) => file.endsWith('.json'))
      .flatMap((file) => (JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as { panels: Array<{ targets?: Array<{ expr: string }> }> }).panels)
      .flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));
    expect(expressions.length).toBeGreaterThan(10);
    // Then Prometheus parses each, and each metric it names has series (rates of idle counters may be empty).
    for (const expr of expressions) {
      await api('query', { query: expr.replaceAll('$__rate_interval', '1m') });
    }
    const names = await eventually(
      async () => {
        const scraped = await api<string[]>('label/__name__/values');
        expect(scraped).toContain('orders_created_total');
        return scraped;
      },
      { timeoutMs: 20_000, intervalMs: 500, what: 'the order of beforeAll scraped' },
    );
    for (const metric of [
      'customers_created_total', 'customers_updated_total', 'customers_deleted_total', 'events_published_total',
      'event_publish_errors_total', 'outbox_pending', 'outbox_publish_lag_seconds_bucket', 'orders_created_total',
      'customers_processed_total', 'customer_event_errors_total', 'customer_events_parked_total', 'stream_consumer_active',
      'stream_consumer_lag_events', 'replication_lag_seconds_bucket', 'apply_batch_size_bucket',
      'apply_batch_duration_seconds_bucket', 'http_request_duration_seconds_bucket', 'process_resident_memory_bytes',
    ]) {
      expect(names, `${metric} is not among the scraped series`).toContain(metric);
    }
  });
});
