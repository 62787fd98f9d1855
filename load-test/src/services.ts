import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parsePrometheus, type Sample } from './prometheus.js';

export interface ServiceRef {
  name: string; // customer, order-1, order-2
  url: string;
  pidFile: string;
}

export function serviceRefs(customerUrl: string, orderUrls: string[], runDir: string): ServiceRef[] {
  return [
    { name: 'customer', url: customerUrl, pidFile: path.join(runDir, 'customer.pid') },
    ...orderUrls.map((url, i) => ({ name: `order-${i + 1}`, url, pidFile: path.join(runDir, `order-${i + 1}.pid`) })),
  ];
}

export async function scrape(url: string, timeoutMs = 2_000): Promise<Sample[] | undefined> {
  try {
    const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return undefined;
    return parsePrometheus(await response.text());
  } catch {
    return undefined;
  }
}

/**
 * The rate limit a service applies to this client, as its answer to GET /health tells
 * (@fastify/rate-limit's x-ratelimit-limit header: requests a minute): undefined when the answer has
 * none (this address is in the service's RATE_LIMIT_ALLOW), null when the service did not answer.
 */
export async function rateLimitOf(url: string, timeoutMs = 2_000): Promise<number | undefined | null> {
  try {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    const limit = response.headers.get('x-ratelimit-limit');
    return limit === null ? undefined : Number(limit);
  } catch {
    return null;
  }
}

/** What the report says of the rate limits the services applied to the load generator. Pure. */
export function describeRateLimits(limits: ReadonlyArray<{ name: string; limit: number | undefined | null }>): string {
  return limits
    .map(({ name, limit }) => `${name} ${limit === undefined ? 'none (address allow-listed)' : limit === null ? 'unknown (no answer)' : `${limit} requests/min`}`)
    .join(', ');
}

export interface Memory {
  rssBytes: number;
  /** The kernel's high-water mark of the resident set since the process started. */
  peakBytes?: number;
}

function kib(status: string, field: string): number | undefined {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) * 1024 : undefined;
}

/** VmRSS/VmHWM from /proc for the pid in the service's pid file; undefined when not readable. */
export async function memoryOf(service: ServiceRef): Promise<Memory | undefined> {
  try {
    const pid = (await readFile(service.pidFile, 'utf8')).trim();
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const rss = kib(status, 'VmRSS');
    if (rss === undefined) return undefined;
    return { rssBytes: rss, peakBytes: kib(status, 'VmHWM') };
  } catch {
    return undefined;
  }
}
