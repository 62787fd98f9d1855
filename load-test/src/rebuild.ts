import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Databases, Summary } from './databases.js';
import { replicaSummary } from './databases.js';
import { total } from './prometheus.js';
import type { RebuildReport } from './report/types.js';
import { scrape } from './services.js';

/** The order-service's rebuild command, when it has one. */
export async function rebuildScript(repoRoot: string): Promise<string | undefined> {
  try {
    const pkg = JSON.parse(await readFile(path.join(repoRoot, 'order-service/package.json'), 'utf8')) as { scripts?: Record<string, string> };
    return pkg.scripts?.rebuild;
  } catch {
    return undefined;
  }
}

async function processed(orderUrls: readonly string[]): Promise<number> {
  let sum = 0;
  for (const url of orderUrls) sum += total((await scrape(url)) ?? [], 'customers_processed_total') ?? 0;
  return sum;
}

/** `onOutput` sees the output so far, each time more arrives. */
export function runCommand(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, onOutput?: (output: string) => void): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      onOutput?.(output);
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

/**
 * `npm run rebuild -w order-service -- <args>`. The rebuild empties the replica, which takes its owner:
 * order-service's own role (make gives it), unless the tools were pointed at another system's database.
 */
export function runRebuildCommand(repoRoot: string, orderDatabaseUrl: string, args: string[], onOutput?: (output: string) => void) {
  const databaseUrl = process.env.ORDER_DATABASE_URL ?? process.env.ORDER_SERVICE_DATABASE_URL ?? orderDatabaseUrl;
  return runCommand('npm', ['run', 'rebuild', '-w', 'order-service', ...(args.length > 0 ? ['--', ...args] : [])], repoRoot, { ...process.env, DATABASE_URL: databaseUrl }, onOutput);
}

/** Whether the rebuild command chose customer-service's snapshot (what it prints then), not a replay of the stream. Pure. */
export function throughSnapshot(output: string): boolean {
  return output.includes("loads customer-service's snapshot");
}

/**
 * Whether the replica is worth comparing with the source yet: the applier has gone quiet, and it
 * applied events since the rebuild (a replay from the first offset does), unless the rebuild went
 * through customer-service's snapshot, which may leave nothing to apply after it (no writes since
 * the snapshot: then no event comes at all). Pure.
 */
export function readyToCompare(quiet: boolean, eventsApplied: number, viaSnapshot: boolean): boolean {
  return quiet && (eventsApplied > 0 || viaSnapshot);
}

/**
 * `npm run rebuild -w order-service` (truncate the replica, reset the offset; the active consumer
 * replays the stream from its first offset while the service stays up), timed until the replica
 * again holds this run's customers exactly and the applier has gone quiet. events/s = events the
 * order instances processed (customers_processed_total) / the time from the rebuild's commit (the
 * command prints "emptied" once committed) to the last event applied. The command's own start-up
 * (npm, node, connecting: about a second here) is reported apart, as startupSeconds.
 */
export async function measureRebuild(
  repoRoot: string,
  /** The replica's database: the rebuild command reads DATABASE_URL (STREAM_NAME is passed on as it is). */
  orderDatabaseUrl: string,
  orderUrls: readonly string[],
  dbs: Databases,
  source: Summary & { ids: string[] },
  timeoutMs: number,
  onProgress: (line: string) => void,
): Promise<RebuildReport> {
  const before = await processed(orderUrls);
  const launched = performance.now();
  let committed: number | undefined;
  const result = await runRebuildCommand(repoRoot, orderDatabaseUrl, [], (output) => {
    if (committed === undefined && output.includes('emptied')) committed = performance.now();
  });
  if (result.code !== 0) return { measured: false, reason: `rebuild command failed: ${result.output.trim().split('\n').slice(-3).join(' / ')}` };
  if (committed === undefined) return { measured: false, reason: `the rebuild command did not say it emptied the replica: ${result.output.trim()}` };
  const started = committed;
  const deadline = Date.now() + timeoutMs;
  let lastCount = before;
  let lastChange = performance.now();
  for (;;) {
    const count = await processed(orderUrls);
    if (count !== lastCount) {
      lastCount = count;
      lastChange = performance.now();
    }
    onProgress(`rebuild: ${count - before} events applied`);
    const quiet = performance.now() - lastChange > 500;
    const viaSnapshot = throughSnapshot(result.output);
    if (readyToCompare(quiet, count - before, viaSnapshot) && (await replicaSummary(dbs.order, source.ids)).digest === source.digest) {
      const events = count - before;
      // (no event applied: the snapshot brought everything; the time is then until the replica matched)
      const seconds = ((events > 0 ? lastChange : performance.now()) - started) / 1000;
      if (viaSnapshot) {
        return {
          measured: false,
          throughSnapshot: true,
          events,
          seconds,
          reason:
            `the stream no longer holds its first events (retention), so the rebuild loaded customer-service's snapshot and then ` +
            `applied the stream from where it stood when the snapshot was asked for (${events.toLocaleString('en-US')} events, ` +
            `${seconds.toFixed(1)} s in all): no replay rate from the first offset`,
        };
      }
      return { measured: true, events, seconds, eventsPerS: events / seconds, startupSeconds: (started - launched) / 1000 };
    }
    if (Date.now() > deadline) return { measured: false, reason: `replica did not match again within ${timeoutMs} ms after the rebuild` };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
