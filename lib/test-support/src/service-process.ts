import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { until } from './poll.js';
import { broker, REPO_ROOT, TEST_TOKENS } from './resources.js';

export type ServiceKind = 'customer-service' | 'order-service';

/**
 * A real service process (`node <service>/dist/src/main.js`, built by `tsc -b`) with its JSON log
 * lines kept, so that a test can kill it, restart it and read what it said.
 */
export class ServiceProcess {
  readonly lines: Array<Record<string, unknown>> = [];
  private child: ChildProcess | undefined;
  private stderr = '';
  exited: Promise<number | null> = Promise.resolve(null);

  constructor(
    readonly kind: ServiceKind,
    readonly name: string,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  start(): this {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, this.kind, 'dist', 'src', 'main.js')], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        HOST: '127.0.0.1',
        PORT: String(this.port),
        INSTANCE_ID: this.name,
        RABBITMQ_USER: broker.user,
        RABBITMQ_PASSWORD: broker.password,
        OPERATOR_TOKEN: TEST_TOKENS.operator,
        READER_TOKEN: TEST_TOKENS.reader,
        ...this.env,
      },
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
      this.stderr = (this.stderr + chunk).slice(-20_000);
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
      await until(
        async () => {
          if (!this.running) throw new Error(`${this.name} exited`);
          return (await fetch(`${this.url}/ready`)).ok;
        },
        timeoutMs,
        `${this.name} ready`,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${this.tail()}`);
    }
  }

  /** The last log lines and what the process wrote to stderr: for failure messages. */
  tail(lines = 15): string {
    const log = this.lines.slice(-lines).map((line) => JSON.stringify(line)).join('\n');
    return `last log lines of ${this.name}:\n${log}${this.stderr ? `\nstderr:\n${this.stderr}` : ''}`;
  }

  /** The status code and JSON body of GET `path`, or undefined when the process does not answer. */
  async get<T = Record<string, unknown>>(route: string, timeoutMs = 1_000): Promise<{ status: number; body: T } | undefined> {
    try {
      const response = await fetch(`${this.url}${route}`, { signal: AbortSignal.timeout(timeoutMs) });
      return { status: response.status, body: (await response.json()) as T };
    } catch {
      return undefined;
    }
  }

  /** The value of an unlabelled series (or the sum of a labelled one) on /metrics. */
  async metric(name: string): Promise<number | undefined> {
    try {
      const text = await (await fetch(`${this.url}/metrics`, { signal: AbortSignal.timeout(1_000) })).text();
      const values = text
        .split('\n')
        .filter((line) => line.startsWith(`${name} `) || line.startsWith(`${name}{`))
        .map((line) => Number(line.slice(line.lastIndexOf(' ') + 1)));
      return values.length === 0 ? undefined : values.reduce((sum, value) => sum + value, 0);
    } catch {
      return undefined;
    }
  }

  logged(message: string | RegExp): boolean {
    return this.lines.some((line) => typeof line.msg === 'string' && (typeof message === 'string' ? line.msg === message : message.test(line.msg)));
  }
}
