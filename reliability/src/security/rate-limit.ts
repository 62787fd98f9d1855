/**
 * The rate limit from a client address that is not exempt: requests to one instance until it answers 429, at
 * most RATE_LIMIT_PER_MINUTE + 5 of them. The suite's address is loopback; a system started with
 * RATE_LIMIT_ALLOW empty (make test-security) limits it, one with the default exempts it, and then the check
 * cannot be tried from here.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { request } from '../http.js';
import { probe, type Probe } from './probe.js';

/** Whether `ip` is in RATE_LIMIT_ALLOW's list (service-kit's addressList and isListed, as the services read it). Pure. */
export function exempt(allow: string, ip: string): boolean {
  const blocks = new BlockList();
  for (const entry of allow.split(',').map((part) => part.trim()).filter(Boolean)) {
    const [address = '', bits] = entry.split('/');
    const type = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
    if (!type) continue;
    if (bits === undefined) blocks.addAddress(address, type);
    else blocks.addSubnet(address, Number(bits), type);
  }
  return blocks.check(ip, isIPv4(ip) ? 'ipv4' : 'ipv6');
}

/** Seconds of a Retry-After header, when it is a whole number of seconds. */
export function retryAfterSeconds(header: string | null): number | undefined {
  return header !== null && /^\d+$/.test(header.trim()) ? Number(header) : undefined;
}

export async function checkRateLimit(target: { name: string; url: string }, limits: { ratePerMinute: number; rateAllow: string }): Promise<Probe[]> {
  const tried = `GET /health on ${target.name} from 127.0.0.1 until refused (at most ${limits.ratePerMinute + 5})`;
  if (exempt(limits.rateAllow, '127.0.0.1')) {
    return [probe('rate limit', tried, '429 with Retry-After', `not tried: 127.0.0.1 is exempt (RATE_LIMIT_ALLOW=${limits.rateAllow}); make test-security starts a system without exemptions`, 'not tried')];
  }
  let answered = 0;
  for (let i = 0; i < limits.ratePerMinute + 5; i++) {
    const answer = await request(`${target.url}/health`, { timeoutMs: 5_000 });
    if (answer.status !== 429) {
      answered++;
      continue;
    }
    const retryAfter = retryAfterSeconds(answer.headers.get('retry-after'));
    const body = answer.json as Record<string, unknown> | undefined;
    const problems: string[] = [];
    if (answered > limits.ratePerMinute) problems.push(`${answered} answered before the first 429, over the limit`);
    if (retryAfter === undefined || retryAfter < 1 || retryAfter > 60) problems.push(`Retry-After ${answer.headers.get('retry-after')}`);
    if (body?.error !== 'rate_limited' || Object.keys(body).sort().join(',') !== 'error,message') problems.push(`body ${answer.text.slice(0, 80)}`);
    const next = await request(`${target.url}/health`, { timeoutMs: 5_000 });
    if (next.status !== 429) problems.push(`the next request answered ${next.status}`);
    return [
      probe(
        'rate limit',
        tried,
        `429 rate_limited with Retry-After (1-60 s) after at most ${limits.ratePerMinute}`,
        `429 after ${answered} answered, Retry-After ${answer.headers.get('retry-after')} s, next ${next.status}${problems.length ? `: ${problems.join('; ')}` : ''}`,
        problems.length === 0,
      ),
    ];
  }
  return [probe('rate limit', tried, '429 with Retry-After', `no 429 in ${answered} requests`, false)];
}

/** A previous run may have left an instance limited: wait out its window (at most 61 s) before trying anything. */
export async function waitUntilNotLimited(urls: string[], log: (line: string) => void): Promise<void> {
  for (const url of urls) {
    const answer = await request(`${url}/health`, { timeoutMs: 5_000 });
    if (answer.status !== 429) continue;
    const seconds = Math.min(61, (retryAfterSeconds(answer.headers.get('retry-after')) ?? 60) + 1);
    log(`${url} is still rate-limited from an earlier run: waiting ${seconds} s`);
    await new Promise((resolve) => setTimeout(resolve, seconds * 1_000));
  }
}
