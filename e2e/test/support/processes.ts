import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT, type OrderInstance } from './config.js';
import { eventually } from './eventually.js';

const run = promisify(execFile);
const SERVICES = join(REPO_ROOT, 'scripts', 'services.sh');

/** The pid scripts/services.sh recorded for this service, if it is alive. */
export async function pidOf(name: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(join(REPO_ROOT, '.run', `${name}.pid`), 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 && isAlive(pid) ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM through scripts/services.sh, which waits for the process to exit. */
export async function stopGracefully(instance: OrderInstance): Promise<void> {
  await run('bash', [SERVICES, 'stop', instance.name], { timeout: 30_000 });
}

/** kill -9 of the recorded pid, then waits until the process is gone. */
export async function killHard(instance: OrderInstance): Promise<void> {
  const pid = await pidOf(instance.name);
  if (pid === undefined) throw new Error(`${instance.name} is not running`);
  process.kill(pid, 'SIGKILL');
  await eventually(
    () => {
      if (isAlive(pid)) throw new Error(`pid ${pid} still alive`);
    },
    { timeoutMs: 10_000, what: `${instance.name} (pid ${pid}) to die after SIGKILL` },
  );
}

/** Starts it through scripts/services.sh (a no-op when it runs) and waits until /ready answers. */
export async function start(instance: OrderInstance): Promise<void> {
  await run('bash', [SERVICES, 'start', instance.name], { timeout: 90_000 });
}

/** Brings back every order-service instance that is not running (used in afterAll, whatever happened). */
export async function restoreAll(instances: OrderInstance[]): Promise<string[]> {
  const restarted: string[] = [];
  for (const instance of instances) {
    if ((await pidOf(instance.name)) === undefined) {
      await start(instance);
      restarted.push(instance.name);
    }
  }
  return restarted;
}
