/**
 * Process and infrastructure control of the running system: the project's own scripts
 * (scripts/services.sh, scripts/infra.sh), pid files in the run directory, readiness endpoints, the broker's
 * management API. Everything the fault injectors and the restore step need.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describeError, request } from './http.js';
import { pollUntil } from './poll.js';
import { serviceNames, type OrderInstance, type ServiceName, type Settings } from './settings.js';
import { nodeName } from './topology.js';

const exec = promisify(execFile);

export interface OrderStatus {
  instance: OrderInstance;
  /** Ready (GET /ready answered 200). */
  reachable: boolean;
  /** Active when it is the active consumer of the stream (on a super stream: of at least one partition). */
  role?: 'active' | 'standby';
  /** The last offset applied (a plain stream; on a super stream each partition has its own: `progress`). */
  appliedOffset?: number;
  /** The streams (a super stream's partitions) it is the active consumer of. */
  holds: string[];
  /** The last offset applied of each stream (partition) it reported one for. */
  applied: Record<string, number>;
  /** Moves whenever it applies: the applied offset, or the sum of its partitions' applied offsets. */
  progress?: number;
  /** What keeps it from being ready: the checks /ready names down, or `unreachable`; empty when ready. */
  down: string[];
}

/** The checks a /ready answer names down (`{checks: {database: 'up', stream: 'down'}}`). */
function checksDown(status: number, json: unknown): string[] {
  if (status === 200) return [];
  const checks = (json as { checks?: Record<string, string> } | undefined)?.checks ?? {};
  const down = Object.entries(checks).filter(([, state]) => state !== 'up').map(([name]) => name);
  return down.length > 0 ? down : [`status ${status}`];
}

/** role, offsets and partitions from a /ready answer; a plain stream's active instance holds `stream`. */
export function consumerOf(json: unknown, stream: string): Pick<OrderStatus, 'role' | 'appliedOffset' | 'holds' | 'applied' | 'progress'> {
  type Offset = number | string | null | undefined;
  const body = json as { role?: string; applied_offset?: Offset; partitions?: Array<{ stream: string; role: string; applied_offset: Offset }> } | undefined;
  const role = body?.role === 'active' || body?.role === 'standby' ? body.role : undefined;
  const number = (offset: Offset) => (offset === null || offset === undefined ? undefined : Number(offset));
  if (Array.isArray(body?.partitions)) {
    const applied: Record<string, number> = {};
    for (const partition of body.partitions) {
      const offset = number(partition.applied_offset);
      if (offset !== undefined) applied[partition.stream] = offset;
    }
    return {
      role,
      holds: body.partitions.filter((partition) => partition.role === 'active').map((partition) => partition.stream),
      applied,
      progress: Object.values(applied).reduce((sum, offset) => sum + offset, 0),
    };
  }
  const appliedOffset = number(body?.applied_offset);
  return { role, appliedOffset, holds: role === 'active' ? [stream] : [], applied: appliedOffset === undefined ? {} : { [stream]: appliedOffset }, progress: appliedOffset };
}

/**
 * How far the replica got, as one number that moves whenever any instance applies: for each stream
 * the highest applied offset any instance reports, summed over the streams. Undefined when none
 * reports one. Pure.
 */
export function appliedProgress(statuses: readonly OrderStatus[]): number | undefined {
  const highest = new Map<string, number>();
  for (const status of statuses) for (const [stream, offset] of Object.entries(status.applied)) highest.set(stream, Math.max(offset, highest.get(stream) ?? -1));
  return highest.size === 0 ? undefined : [...highest.values()].reduce((sum, offset) => sum + offset, 0);
}

/** Each of `streams` has exactly one active consumer among `statuses`. Pure. */
export function everyStreamHeldOnce(statuses: readonly OrderStatus[], streams: readonly string[]): boolean {
  return streams.every((stream) => statuses.filter((status) => status.holds.includes(stream)).length === 1);
}

/** The instance holding the most streams (the first of equals). Pure. */
function busiest(statuses: readonly OrderStatus[]): OrderInstance | undefined {
  const sorted = [...statuses].filter((status) => status.holds.length > 0).sort((a, b) => b.holds.length - a.holds.length);
  return sorted[0]?.instance;
}

export class System {
  constructor(readonly settings: Settings) {}

  /** Runs a project script and returns its output; throws with the output's tail when it fails. */
  async script(script: 'services.sh' | 'infra.sh', ...args: string[]): Promise<string> {
    try {
      const { stdout, stderr } = await exec('bash', [path.join(this.settings.repo, 'scripts', script), ...args], {
        cwd: this.settings.repo,
        env: this.settings.scriptEnv,
        timeout: 180_000,
        maxBuffer: 10 * 1024 * 1024,
      });
      return stdout + stderr;
    } catch (error) {
      const failed = error as { stdout?: string; stderr?: string; message: string };
      const tail = `${failed.stdout ?? ''}${failed.stderr ?? ''}`.trim().split('\n').slice(-8).join('\n');
      throw new Error(`scripts/${script} ${args.join(' ')} failed: ${failed.message.split('\n')[0]}\n${tail}`);
    }
  }

  /**
   * Starts a service through scripts/services.sh. When the script refuses because something else
   * already serves the port (another client of the shared system restarted it), that is accepted
   * once the port answers /health.
   */
  async start(name: ServiceName): Promise<void> {
    try {
      await this.script('services.sh', 'start', name);
    } catch (error) {
      const answering = await pollUntil(
        async () => (await request(`${this.urlOf(name)}/health`, { timeoutMs: 1_000 })).status === 200,
        { timeoutMs: 10_000, intervalMs: 200, what: `${name} to answer /health` },
      ).catch(() => false);
      if (!answering) throw error;
    }
  }

  async pidOf(name: ServiceName): Promise<number | undefined> {
    try {
      const pid = Number((await readFile(path.join(this.settings.runDir, `${name}.pid`), 'utf8')).trim());
      return Number.isInteger(pid) && pid > 0 ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  async isAlive(name: ServiceName): Promise<boolean> {
    const pid = await this.pidOf(name);
    return pid !== undefined && pidAlive(pid);
  }

  /** Sends a signal to a service by its pid file; returns the pid. */
  async signal(name: ServiceName, signal: 'SIGKILL' | 'SIGTERM' | 'SIGSTOP' | 'SIGCONT'): Promise<number> {
    const pid = await this.pidOf(name);
    if (pid === undefined || !pidAlive(pid)) throw new Error(`${name} is not running (no live pid in ${path.join(this.settings.runDir, `${name}.pid`)})`);
    process.kill(pid, signal);
    return pid;
  }

  async waitExit(pid: number, timeoutMs = 20_000): Promise<void> {
    await pollUntil(async () => !pidAlive(pid), { timeoutMs, intervalMs: 50, what: `pid ${pid} to exit` });
  }

  urlOf(name: ServiceName): string {
    if (name === 'customer') return this.settings.customerUrl;
    const order = this.settings.orders.find((candidate) => candidate.name === name);
    if (!order) throw new Error(`${name} is not among ORDER_URLS (${this.settings.orders.map((o) => o.name).join(', ')})`);
    return order.url;
  }

  async customerReady(): Promise<boolean> {
    return (await this.customerDown()).length === 0;
  }

  /** What keeps customer-service from being ready (empty when it is). */
  async customerDown(timeoutMs = 2_000): Promise<string[]> {
    try {
      const answer = await request(`${this.settings.customerUrl}/ready`, { timeoutMs });
      return checksDown(answer.status, answer.json);
    } catch {
      return ['unreachable'];
    }
  }

  async orderStatus(instance: OrderInstance, timeoutMs = 2_000): Promise<OrderStatus> {
    try {
      const answer = await request(`${this.urlOf(instance)}/ready`, { timeoutMs });
      return { instance, reachable: answer.status === 200, ...consumerOf(answer.json, this.settings.stream.name), down: checksDown(answer.status, answer.json) };
    } catch {
      return { instance, reachable: false, holds: [], applied: {}, down: ['unreachable'] };
    }
  }

  async orderStatuses(): Promise<OrderStatus[]> {
    return Promise.all(this.settings.orders.map((order) => this.orderStatus(order.name)));
  }

  /**
   * The active order instance, once every stream (each partition of a super stream) has exactly one
   * active consumer: on a plain stream the one active instance, on a super stream the one holding the
   * most partitions. `not`: another than this one, which is not asked either (it may be frozen: its
   * answer would only come after the timeout).
   */
  async waitActive(options: { timeoutMs: number; not?: OrderInstance; intervalMs?: number }): Promise<OrderInstance> {
    const asked = this.settings.orders.filter((order) => order.name !== options.not);
    return pollUntil(
      async () => {
        const statuses = await Promise.all(asked.map((order) => this.orderStatus(order.name)));
        return everyStreamHeldOnce(statuses.filter((s) => s.reachable), this.settings.stream.streams) ? busiest(statuses) : undefined;
      },
      {
        timeoutMs: options.timeoutMs,
        intervalMs: options.intervalMs ?? 25,
        what: `exactly one active order instance for ${this.settings.stream.streams.join(', ')}${options.not ? ` other than ${options.not}` : ''}`,
      },
    );
  }

  /** customer-service ready, every order instance ready, and each stream (partition) consumed by exactly one of them. */
  async healthy(): Promise<boolean> {
    const [customer, orders] = await Promise.all([this.customerReady(), this.orderStatuses()]);
    return customer && orders.every((s) => s.reachable) && everyStreamHeldOnce(orders, this.settings.stream.streams);
  }

  async waitHealthy(timeoutMs: number, intervalMs = 50): Promise<void> {
    await pollUntil(() => this.healthy(), { timeoutMs, intervalMs, what: 'the system to be healthy (customer ready, one active order instance, all reachable)' });
  }

  /** Every node of the broker up. */
  async brokerUp(): Promise<boolean> {
    return everyNodeUp(await this.script('infra.sh', 'status').catch(() => ''));
  }

  async postgresUp(): Promise<boolean> {
    return (await this.script('infra.sh', 'status').catch(() => '')).includes('postgresql: up');
  }

  /**
   * Brings back whatever a fault left down: PostgreSQL, every broker node, the services (a frozen one
   * thawed). A service that lives but is still not ready after 60 s did not recover by itself: it is
   * restarted, so that the next run finds a whole system, and returned as a problem of the run.
   */
  async restore(log: (line: string) => void): Promise<string[]> {
    const status = await this.script('infra.sh', 'status').catch(() => '');
    if (!status.includes('postgresql: up')) {
      log('restore: starting PostgreSQL');
      await this.script('infra.sh', 'postgres-start');
    }
    if (!everyNodeUp(status)) {
      log('restore: starting RabbitMQ (every node that is down)');
      await this.script('infra.sh', 'rabbitmq-start');
    }
    for (const name of serviceNames(this.settings)) {
      const pid = await this.pidOf(name);
      if (pid !== undefined && (await processStopped(pid))) {
        log(`restore: ${name} (pid ${pid}) is stopped (SIGSTOP); sending SIGCONT`);
        process.kill(pid, 'SIGCONT');
      }
      if (!(await this.isAlive(name))) {
        log(`restore: starting ${name}`);
        await this.start(name);
      }
    }
    try {
      await this.waitHealthy(60_000, 200);
      return [];
    } catch (error) {
      const stuck = (await this.unready()).filter(({ down }) => !down.includes('unreachable'));
      if (stuck.length === 0) throw error;
      for (const { name, down } of stuck) {
        log(`restore: ${name} is alive but still not ready (${down.join(', ')} down); restarting it`);
        await this.script('services.sh', 'stop', name);
        await this.start(name);
      }
      await this.waitHealthy(60_000, 200);
      return stuck.map(({ name, down }) => `${name} did not recover by itself (${down.join(', ')} still down 60 s into the restore): restarted`);
    }
  }

  /** The services that answer but are not ready, with the checks they name down. */
  async unready(): Promise<Array<{ name: ServiceName; down: string[] }>> {
    const [customer, orders] = await Promise.all([this.customerDown(), this.orderStatuses()]);
    return [{ name: 'customer' as ServiceName, down: customer }, ...orders.map((status) => ({ name: status.instance, down: status.down }))].filter(({ down }) => down.length > 0);
  }

  // ------------------------------------------------------------------ broker
  private authorization() {
    return { authorization: `Basic ${Buffer.from(`${this.settings.stream.user}:${this.settings.stream.password}`).toString('base64')}` };
  }

  /** The broker's stream connections (management API). */
  async streamConnections(): Promise<Array<{ name: string; connectionName: string }>> {
    const answer = await request(`${this.settings.managementUrl}/api/stream/connections`, { headers: this.authorization(), timeoutMs: 5_000 });
    if (answer.status !== 200) throw new Error(`management API answered ${answer.status}`);
    return (answer.json as Array<{ name: string; client_properties?: { connection_name?: string } }>).map((c) => ({
      name: c.name,
      connectionName: c.client_properties?.connection_name ?? '',
    }));
  }

  /** rabbitmqctl close_all_connections on every node: closes AMQP and stream connections alike (checked on 4.0.5). */
  async closeAllConnections(reason: string): Promise<string> {
    const outputs: string[] = [];
    for (const [index] of this.settings.broker.nodes.entries()) {
      const { stdout, stderr } = await exec(
        'chroot',
        [this.settings.rabbitmqRoot, 'env', 'HOME=/var/lib/rabbitmq', 'rabbitmqctl', '-n', nodeName(this.settings.broker, index + 1), 'close_all_connections', reason],
        { timeout: 60_000 },
      );
      outputs.push((stdout + stderr).trim());
    }
    return outputs.join('\n');
  }

  /** Fallback: closes each stream connection through the management API. */
  async closeStreamConnectionsViaApi(): Promise<number> {
    let closed = 0;
    for (const connection of await this.streamConnections()) {
      const answer = await request(`${this.settings.managementUrl}/api/connections/${encodeURIComponent(connection.name)}`, {
        method: 'DELETE',
        headers: this.authorization(),
      }).catch((error: unknown) => ({ status: 0, text: describeError(error) }));
      if (answer.status === 204) closed++;
    }
    return closed;
  }

  /** A gauge or counter from a service's /metrics (summed over labels matching `labels`). */
  async metric(name: ServiceName, metric: string, labels = '', timeoutMs = 2_000): Promise<number | undefined> {
    const token = this.settings.tokens.METRICS_TOKEN;
    const answer = await request(`${this.urlOf(name)}/metrics`, { timeoutMs, ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}) });
    let total: number | undefined;
    for (const line of answer.text.split('\n')) {
      if (!line.startsWith(metric) || (line[metric.length] !== ' ' && line[metric.length] !== '{')) continue;
      if (labels && !line.includes(labels)) continue;
      const value = Number(line.slice(line.lastIndexOf(' ') + 1));
      if (Number.isFinite(value)) total = (total ?? 0) + value;
    }
    return total;
  }
}

/** `scripts/infra.sh status`: one line per node, `rabbitmq: up (...)` or `rabbitmq: down (...)`. */
export function everyNodeUp(status: string): boolean {
  return status.includes('rabbitmq: up') && !status.includes('rabbitmq: down');
}

/** The process is stopped by a signal (SIGSTOP): state T in /proc/<pid>/stat. */
export async function processStopped(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return /^\d+ \(.*\) T /s.test(stat);
  } catch {
    return false;
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
