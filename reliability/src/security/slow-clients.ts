/**
 * Slow clients (Slowloris): one that never finishes its headers, one that never finishes its body. Each must be
 * cut off by the server's own timeouts (408 request_timeout, or the socket closed) within HTTP_HEADERS_TIMEOUT_MS
 * and HTTP_REQUEST_TIMEOUT_MS (Node checks every second), while the instance keeps answering everyone else.
 */
import { connect } from 'node:net';
import { request } from '../http.js';
import { probe, type Probe } from './probe.js';

/** How late after its timeout a slow client may still be connected: Node's check interval (1 s) and a margin. */
const LATE_MS = 2_500;
const DRIP_MS = 500;

interface Cutoff {
  elapsedMs: number;
  /** The status of the answer the server wrote before closing, if any. */
  status?: number;
  closed: boolean;
}

/** Opens a connection, writes `head`, then `drip()` every 500 ms until the server answers or closes, or `giveUpMs`. */
function trickle(url: string, head: string, drip: (i: number) => string, giveUpMs: number): Promise<Cutoff> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect({ host: hostname, port: Number(port) });
    let received = '';
    let timer: NodeJS.Timeout | undefined;
    const finish = (closed: boolean) => {
      clearInterval(timer);
      clearTimeout(deadline);
      socket.destroy();
      const status = /^HTTP\/1\.1 (\d{3})/.exec(received)?.[1];
      resolve({ elapsedMs: Math.round(performance.now() - started), ...(status ? { status: Number(status) } : {}), closed });
    };
    const deadline = setTimeout(() => finish(false), giveUpMs);
    socket.on('connect', () => {
      socket.write(head);
      let i = 0;
      timer = setInterval(() => {
        if (socket.writable) socket.write(drip(i++));
      }, DRIP_MS);
    });
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    socket.on('close', () => finish(true));
    socket.on('error', () => undefined);
  });
}

function verdict(cutoff: Cutoff, timeoutMs: number): { text: string; held: boolean } {
  const held = (cutoff.closed || cutoff.status === 408) && cutoff.elapsedMs >= timeoutMs - 250 && cutoff.elapsedMs <= timeoutMs + LATE_MS && (cutoff.status === undefined || cutoff.status === 408);
  const how = cutoff.status ? `${cutoff.status}${cutoff.closed ? ' and closed' : ''}` : cutoff.closed ? 'closed without an answer' : 'still open';
  return { text: `${how} after ${(cutoff.elapsedMs / 1000).toFixed(1)} s`, held };
}

export async function checkSlowClients(target: { name: string; url: string }, limits: { headersTimeoutMs: number; requestTimeoutMs: number }): Promise<Probe[]> {
  const host = new URL(target.url).host;
  const headers = trickle(target.url, `GET /health HTTP/1.1\r\nHost: ${host}\r\n`, (i) => `X-Slow-${i}: 1\r\n`, limits.headersTimeoutMs + 10_000);
  const body = trickle(
    target.url,
    `POST /customers HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"name":"`,
    () => 'x',
    limits.requestTimeoutMs + 10_000,
  );
  // Meanwhile the instance serves others.
  const others: number[] = [];
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, limits.headersTimeoutMs / 3)));
    const started = performance.now();
    const answer = await request(`${target.url}/health`, { timeoutMs: 2_000 }).catch(() => undefined);
    others.push(answer?.status === 200 ? Math.round(performance.now() - started) : -1);
  }
  const [slowHeaders, slowBody] = await Promise.all([headers, body]);
  const h = verdict(slowHeaders, limits.headersTimeoutMs);
  const b = verdict(slowBody, limits.requestTimeoutMs);
  return [
    probe('timeouts', `${target.name}: headers never finished, a line every ${DRIP_MS} ms`, `408 or closed within HTTP_HEADERS_TIMEOUT_MS ${limits.headersTimeoutMs / 1000} s (+${LATE_MS / 1000} s)`, h.text, h.held),
    probe('timeouts', `${target.name}: POST body never finished, a byte every ${DRIP_MS} ms`, `408 or closed within HTTP_REQUEST_TIMEOUT_MS ${limits.requestTimeoutMs / 1000} s (+${LATE_MS / 1000} s)`, b.text, b.held),
    probe(
      'timeouts',
      `${target.name}: GET /health from another client meanwhile`,
      '200 within 2 s, each time',
      others.map((ms) => (ms < 0 ? 'no answer' : `${ms} ms`)).join(', '),
      others.every((ms) => ms >= 0),
    ),
  ];
}
