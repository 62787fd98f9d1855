import net from 'node:net';

/** One HTTP/1.1 answer: status and body (the load test reads nothing else). */
export interface HttpAnswer {
  status: number;
  body: string;
}

export class HttpTimeout extends Error {}

/**
 * A keep-alive HTTP/1.1 connection that carries one request at a time, for the load generator:
 * it shares the machine's two cores with the system under test, so each request costs a
 * pre-built header block, one socket write, and a parse of the status line, the length and the
 * body (autocannon rebuilt each request from its header map and parsed the answer in JavaScript
 * byte by byte: 57 µs of CPU per create, as much as a third of customer-service's own).
 * Answers with `Content-Length` or `Transfer-Encoding: chunked` are understood; anything else,
 * a closed socket or a timeout rejects the request and closes the connection.
 */
export class HttpConnection {
  private socket: net.Socket | undefined;
  private buffer: Buffer = Buffer.alloc(0);
  private pending: { resolve(answer: HttpAnswer): void; reject(error: Error): void; deadline: number } | undefined;
  private readonly hostHeader: string;
  private watchdog: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: URL,
    private readonly timeoutMs: number,
  ) {
    this.hostHeader = `Host: ${url.host}\r\n`;
  }

  /** Sends one request and waits for its answer; connects (again) first when needed. */
  async request(method: string, path: string, headers: string, body: string): Promise<HttpAnswer> {
    if (this.pending) throw new Error('one request at a time per connection');
    const socket = this.socket ?? (await this.connect());
    const length = Buffer.byteLength(body);
    const head = `${method} ${path} HTTP/1.1\r\n${this.hostHeader}${headers}content-length: ${length}\r\n\r\n`;
    return new Promise<HttpAnswer>((resolve, reject) => {
      this.pending = { resolve, reject, deadline: performance.now() + this.timeoutMs };
      socket.write(length === 0 ? head : head + body);
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
    clearInterval(this.watchdog);
    this.watchdog = undefined;
  }

  /** A timer per request costs as much as the parse; one check per connection every 50 ms instead. */
  private watch() {
    this.watchdog ??= setInterval(() => {
      if (this.pending && performance.now() > this.pending.deadline) this.fail(new HttpTimeout(`request timed out after ${this.timeoutMs} ms`));
    }, Math.min(50, this.timeoutMs)).unref();
  }

  private connect(): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: this.url.hostname, port: Number(this.url.port || 80), noDelay: true });
      const timer = setTimeout(() => socket.destroy(new HttpTimeout(`connect timed out after ${this.timeoutMs} ms`)), this.timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        this.socket = socket;
        this.buffer = Buffer.alloc(0);
        this.watch();
        resolve(socket);
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        if (this.socket === socket) this.fail(error);
        else reject(error);
      });
      socket.on('close', () => {
        if (this.socket === socket) this.fail(Object.assign(new Error('connection closed'), { code: 'ECONNRESET' }));
      });
      socket.on('data', (chunk: Buffer) => this.onData(chunk));
    });
  }

  private fail(error: Error) {
    const pending = this.pending;
    this.pending = undefined;
    this.close();
    pending?.reject(error);
  }

  private onData(chunk: Buffer) {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const parsed = parseAnswer(this.buffer);
    if (parsed === undefined) return;
    if (parsed === 'invalid') {
      this.fail(new Error('the answer is not HTTP/1.1 this client understands'));
      return;
    }
    const pending = this.pending;
    this.pending = undefined;
    this.buffer = this.buffer.subarray(parsed.consumed);
    if (parsed.close) this.close();
    pending?.resolve(parsed.answer);
  }
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** One complete answer at the start of `data`, undefined while it is incomplete. */
export function parseAnswer(data: Buffer): { answer: HttpAnswer; consumed: number; close: boolean } | 'invalid' | undefined {
  const end = data.indexOf(HEADER_END);
  if (end < 0) return undefined;
  const head = data.toString('latin1', 0, end);
  const status = Number(head.slice(9, 12));
  if (!head.startsWith('HTTP/1.') || !Number.isInteger(status)) return 'invalid';
  const close = headerValue(head, 'connection')?.toLowerCase() === 'close';
  const length = headerValue(head, 'content-length');
  const start = end + 4;
  if (length !== undefined) {
    const stop = start + Number(length);
    if (!Number.isInteger(stop)) return 'invalid';
    if (data.length < stop) return undefined;
    return { answer: { status, body: data.toString('utf8', start, stop) }, consumed: stop, close };
  }
  if (headerValue(head, 'transfer-encoding')?.toLowerCase() === 'chunked') return parseChunked(data, start, status, close);
  // No body: 204, 304, or an answer to HEAD (never sent here).
  if (status === 204 || status === 304 || (status >= 100 && status < 200)) return { answer: { status, body: '' }, consumed: start, close };
  return 'invalid';
}

/**
 * A header's value, its name matched as Node writes it (`content-length` as Fastify sets it,
 * `Connection`, `Transfer-Encoding` as Node adds them), else case-insensitively.
 */
function headerValue(head: string, name: string): string | undefined {
  let at = head.indexOf(`\r\n${name}:`);
  if (at < 0) at = head.indexOf(`\r\n${name[0]!.toUpperCase()}${name.slice(1).replace(/-(.)/g, (m) => m.toUpperCase())}:`);
  if (at < 0) {
    const found = new RegExp(`\r\n${name}:`, 'i').exec(head);
    if (!found) return undefined;
    at = found.index;
  }
  const from = at + name.length + 3;
  const stop = head.indexOf('\r\n', from);
  return head.slice(from, stop < 0 ? head.length : stop).trim();
}

function parseChunked(data: Buffer, from: number, status: number, close: boolean) {
  const parts: Buffer[] = [];
  let at = from;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = parseInt(data.toString('latin1', at, lineEnd), 16);
    if (!Number.isFinite(size)) return 'invalid';
    const chunkStart = lineEnd + 2;
    if (size === 0) {
      // No trailers are sent to this client: the last chunk is followed by an empty line.
      if (data.length < chunkStart + 2) return undefined;
      return { answer: { status, body: Buffer.concat(parts).toString('utf8') }, consumed: chunkStart + 2, close };
    }
    if (data.length < chunkStart + size + 2) return undefined;
    parts.push(data.subarray(chunkStart, chunkStart + size));
    at = chunkStart + size + 2;
  }
}
