import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import type { ServiceRef } from './services.js';

/**
 * Where a phase's CPU goes on this machine: CPU seconds per process group, read from /proc before
 * and after the phase, and the machine's busy time from /proc/stat. Per request it answers "why
 * this rate and not more": when the machine is busy, its cores divided by the CPU a request costs
 * across every process (the service, PostgreSQL, RabbitMQ, the replication, this load generator)
 * is the rate it can reach. Only local processes are seen: a remote database costs nothing here.
 */
export interface CpuSnapshot {
  atMs: number;
  /** CPU seconds (user + system) by group since each process started. */
  groups: Map<string, number>;
  /** Busy CPU seconds of the whole machine (every core, every process, the kernel). */
  machineBusyS: number;
}

export interface CpuGroupCost {
  name: string;
  cpuS: number;
  /** CPU microseconds per request of the phase. */
  usPerRequest: number;
}

export interface CpuBudget {
  seconds: number;
  requests: number;
  cores: number;
  /** Share of every core that was busy during the phase (0-1). */
  machineBusy: number;
  groups: CpuGroupCost[];
  /** Busy CPU of the machine per request, groups and the rest (kernel, other processes) together. */
  machineUsPerRequest: number;
  /** cores / machineUsPerRequest: the rate the machine allows at this cost per request. */
  ceilingPerS: number;
}

const POSTGRES_BACKGROUND = 'PostgreSQL, background (WAL writer, checkpointer, autovacuum)';
const TICKS_PER_S = 100; // USER_HZ: /proc reports CPU time in 1/100 s on Linux

/** user + system CPU seconds of a process from /proc/<pid>/stat (its threads included). */
function cpuSecondsOf(stat: string): number | undefined {
  // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / TICKS_PER_S : undefined;
}

/** The group a process's CPU counts in, from its command line; undefined for the ones not followed. Pure. */
export function groupOf(commandLine: string): string | undefined {
  if (commandLine.startsWith('postgres:')) {
    // A session: `postgres: <cluster>: <user> <database> <client address>(<port>) <state>`.
    const session = /^postgres: \S+: \S+ (\S+) (?:\S+\(\d+\)|\[local\])/.exec(commandLine);
    return session ? `PostgreSQL, ${session[1]} sessions` : POSTGRES_BACKGROUND;
  }
  if (/(^|\/)postgres /.test(commandLine)) return POSTGRES_BACKGROUND;
  if (/beam\.smp|erl_child_setup|(^|\/)epmd /.test(commandLine)) return 'RabbitMQ (every node on this machine)';
  return undefined;
}

/** Busy seconds of every core from /proc/stat's first line (all but idle and iowait). Pure. */
export function machineBusySeconds(procStat: string): number {
  const values = procStat.split('\n', 1)[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = values;
  return (user + nice + system + irq + softirq + steal) / TICKS_PER_S;
}

async function readPid(file: string): Promise<string | undefined> {
  return readFile(file, 'utf8').then((text) => text.trim(), () => undefined);
}

/** A snapshot of the groups' CPU; undefined where /proc cannot be read (not Linux). */
export async function cpuSnapshot(services: readonly ServiceRef[]): Promise<CpuSnapshot | undefined> {
  let machineBusyS: number;
  try {
    machineBusyS = machineBusySeconds(await readFile('/proc/stat', 'utf8'));
  } catch {
    return undefined;
  }
  const groups = new Map<string, number>();
  const add = (group: string, seconds: number | undefined) => {
    if (seconds !== undefined) groups.set(group, (groups.get(group) ?? 0) + seconds);
  };
  const named = new Map<string, string>([[String(process.pid), 'load generator (this process)']]);
  for (const service of services) {
    const pid = await readPid(service.pidFile);
    if (pid) named.set(pid, service.name);
  }
  for (const pid of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(pid)) continue;
    const known = named.get(pid);
    let group = known;
    if (!group) {
      const commandLine = await readFile(`/proc/${pid}/cmdline`, 'utf8').then((text) => text.replaceAll('\0', ' '), () => '');
      group = groupOf(commandLine);
    }
    if (!group) continue;
    add(group, await readFile(`/proc/${pid}/stat`, 'utf8').then(cpuSecondsOf, () => undefined));
  }
  return { atMs: Date.now(), groups, machineBusyS };
}

/** What a phase of `requests` requests cost between two snapshots. Pure. */
export function cpuBudget(before: CpuSnapshot, after: CpuSnapshot, requests: number, cores = os.availableParallelism()): CpuBudget {
  const seconds = (after.atMs - before.atMs) / 1000;
  const per = (cpuS: number) => (requests > 0 ? (cpuS * 1e6) / requests : 0);
  const groups: CpuGroupCost[] = [];
  let followed = 0;
  for (const [name, total] of after.groups) {
    // A process that started during the phase counts from zero; one that ended is missing (its time is in "the rest").
    const cpuS = Math.max(0, total - (before.groups.get(name) ?? 0));
    followed += cpuS;
    groups.push({ name, cpuS, usPerRequest: per(cpuS) });
  }
  const busyS = Math.max(0, after.machineBusyS - before.machineBusyS);
  groups.push({ name: 'the rest (kernel, other processes)', cpuS: Math.max(0, busyS - followed), usPerRequest: per(Math.max(0, busyS - followed)) });
  groups.sort((a, b) => b.cpuS - a.cpuS);
  const machineUsPerRequest = per(busyS);
  return {
    seconds,
    requests,
    cores,
    machineBusy: seconds > 0 ? busyS / (seconds * cores) : 0,
    groups,
    machineUsPerRequest,
    ceilingPerS: machineUsPerRequest > 0 ? (cores * 1e6) / machineUsPerRequest : 0,
  };
}

/** Measures `run` (a phase of `requests(result)` requests) between two snapshots; the budget is undefined without /proc. */
export async function withCpuBudget<T>(
  services: readonly ServiceRef[],
  run: () => Promise<T>,
  requests: (result: T) => number,
): Promise<{ result: T; budget?: CpuBudget }> {
  const before = await cpuSnapshot(services);
  const result = await run();
  const after = await cpuSnapshot(services);
  return { result, budget: before && after ? cpuBudget(before, after, requests(result)) : undefined };
}
