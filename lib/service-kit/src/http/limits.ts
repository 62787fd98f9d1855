import { STATUS_CODES } from 'node:http';
import { BlockList, isIPv4, isIPv6, type Socket } from 'node:net';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ConfigError } from '../config.js';
import { HttpError } from './errors.js';

/** The HTTP limits a service's settings hold (HttpEnv in config.ts). */
export interface HttpLimits {
  HTTP_HEADERS_TIMEOUT_MS: number;
  HTTP_REQUEST_TIMEOUT_MS: number;
  HTTP_KEEP_ALIVE_TIMEOUT_MS: number;
  HTTP_CONNECTION_TIMEOUT_MS: number;
  HTTP_MAX_HEADER_BYTES: number;
  HTTP_MAX_HEADERS: number;
  RATE_LIMIT_PER_MINUTE: number;
  RATE_LIMIT_ALLOW: string;
}

/**
 * Fastify's and Node's server options for these limits: how long a client may take to send its
 * headers and its whole request, how long an idle keep-alive or a silent socket is kept, and how
 * large the headers may be. Node checks the two request timeouts at `connectionsCheckingInterval`
 * (30 s by default, which would let a slow client hold a socket up to 30 s past its deadline).
 */
export function serverOptions(limits: HttpLimits) {
  if (limits.HTTP_HEADERS_TIMEOUT_MS > limits.HTTP_REQUEST_TIMEOUT_MS) {
    throw new ConfigError('invalid configuration: HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS');
  }
  return {
    connectionTimeout: limits.HTTP_CONNECTION_TIMEOUT_MS,
    keepAliveTimeout: limits.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    requestTimeout: limits.HTTP_REQUEST_TIMEOUT_MS,
    http: {
      headersTimeout: limits.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeout: limits.HTTP_REQUEST_TIMEOUT_MS,
      maxHeaderSize: limits.HTTP_MAX_HEADER_BYTES,
      connectionsCheckingInterval: Math.min(1_000, limits.HTTP_HEADERS_TIMEOUT_MS),
    },
    clientErrorHandler: answerClientError,
  };
}

/** What Node refuses before Fastify sees a request (a timeout, headers too large, bad HTTP), answered as JSON errors. */
function answerClientError(this: FastifyInstance, error: NodeJS.ErrnoException, socket: Socket) {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'request_timeout', 'the request was not received in time']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'headers_too_large', 'the request headers are too large or too many']
        : [400, 'bad_request', 'malformed HTTP request'];
  this.log.debug({ code: error.code, status }, 'client error');
  if (socket.writable) {
    const body = JSON.stringify({ error: code, message });
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/** Addresses and networks (`10.0.0.0/8`, `::1`), comma-separated, as a BlockList; ConfigError naming `variable` when one is not. */
export function addressList(list: string, variable: string): BlockList {
  const blocks = new BlockList();
  for (const entry of list.split(',').map((part) => part.trim()).filter((part) => part !== '')) {
    const [address = '', bits] = entry.split('/');
    const type = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
    const prefix = bits === undefined ? undefined : Number(bits);
    const maxBits = type === 'ipv4' ? 32 : 128;
    if (type === undefined || (prefix !== undefined && !(Number.isInteger(prefix) && prefix >= 0 && prefix <= maxBits))) {
      throw new ConfigError(`invalid configuration: ${variable}: "${entry}" is not an address or a network (address/bits)`);
    }
    if (prefix === undefined) blocks.addAddress(address, type);
    else blocks.addSubnet(address, prefix, type);
  }
  return blocks;
}

/** Whether `ip` (a socket's remote address; an IPv4-mapped IPv6 address counts as its IPv4 one) is in `blocks`. */
export function isListed(blocks: BlockList, ip: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  if (mapped) return blocks.check(mapped, 'ipv4');
  if (isIPv4(ip)) return blocks.check(ip, 'ipv4');
  return isIPv6(ip) && blocks.check(ip, 'ipv6');
}

/**
 * Per request: at most HTTP_MAX_HEADERS headers (Node's parser refuses more: 431 `headers_too_large`),
 * and at most RATE_LIMIT_PER_MINUTE requests per client address in a one-minute window (429
 * `rate_limited` with Retry-After), except for the addresses of RATE_LIMIT_ALLOW. The addresses are
 * the sockets' (no proxy header is trusted); the counters live in an LRU of the 5,000 latest addresses.
 */
export const requestLimits = fp<{ limits: HttpLimits }>(
  async (app: FastifyInstance, { limits }) => {
    app.server.maxHeadersCount = limits.HTTP_MAX_HEADERS;

    const allowed = addressList(limits.RATE_LIMIT_ALLOW, 'RATE_LIMIT_ALLOW');
    await app.register(rateLimit, {
      max: limits.RATE_LIMIT_PER_MINUTE,
      timeWindow: 60_000,
      allowList: (request) => isListed(allowed, request.ip),
      errorResponseBuilder: (_request, context) =>
        new HttpError(429, 'rate_limited', `more than ${context.max} requests a minute from this address; retry in ${context.after}`),
    });
  },
  { name: 'request-limits' },
);
