import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { until } from './infra.js';

const MAIN = fileURLToPath(new URL('../../dist/src/main.js', import.meta.url));

export interface AppliedRange {
  instance: string;
  from: bigint;
  to: bigint;
}

/** A real order-service process (node dist/src/main.js) with its log lines parsed. */
export class OrderProcess {
  readonly lines: Array<Record<string, unknown>> = [];
  private child: ChildProcess | undefined;
  exited: Promise<number | null> = Promise.resolve(null);

  constructor(
    readonly name: string,
    readonly port: number,
    private readonly env: Record<string, string>,
    private readonly logLevel = 'debug',
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  start(): this {
    const child = spawn(process.execPath, [MAIN], {
      env: { ...process.env, PORT: String(this.port), INSTANCE_ID: this.name, NODE_ENV: 'test', LOG_LEVEL: this.logLevel, ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let rest = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      for (const line of parts) {
        try {
          this.lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          this.lines.push({ msg: line });
        }
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      if (!/Deprecation|trace-warnings/.test(chunk)) process.stderr.write(`[${this.name}] ${chunk}`);
    });
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    return this;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  kill(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.kill('SIGTERM');
    const timer = setTimeout(() => this.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(timer);
  }

  async ready(timeoutMs = 60_000): Promise<void> {
    try {
      await until(async () => (await fetch(`${this.url}/ready`)).ok, timeoutMs, `${this.name} ready`);
    } catch (error) {
      const tail = this.lines.slice(-10).map((line) => JSON.stringify(line)).join('\n');
      throw new Error(`${(error as Error).message}; last log lines:\n${tail}`);
    }
  }

  async status(): Promise<{ role: string; applied_offset: string | null } | undefined> {
    try {
      const response = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(1_000) });
      return (await response.json()) as { role: string; applied_offset: string | null };
    } catch {
      return undefined;
    }
  }

  async metric(name: string): Promise<number | undefined> {
    try {
      const text = await (await fetch(`${this.url}/metrics`, { signal: AbortSignal.timeout(1_000) })).text();
      const line = text.split('\n').find((l) => l.startsWith(`${name} `));
      return line === undefined ? undefined : Number(line.split(' ')[1]);
    } catch {
      return undefined;
    }
  }

  /** Batches this process committed, from its debug log lines. */
  appliedRanges(): AppliedRange[] {
    return this.lines
      .filter((line) => line.msg === 'batch applied')
      .map((line) => ({ instance: this.name, from: BigInt(line.from as string), to: BigInt(line.to as string) }));
  }

  logged(message: string): boolean {
    return this.lines.some((line) => line.msg === message);
  }
}

/** No two committed batches (of any instance) cover the same offset. */
export function overlaps(ranges: AppliedRange[]): AppliedRange[][] {
  const sorted = [...ranges].sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
  const bad: AppliedRange[][] = [];
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.from <= sorted[i - 1]!.to) bad.push([sorted[i - 1]!, sorted[i]!]);
  }
  return bad;
}
