/**
 * `make bench-cluster`: the cost of replication, measured. The load test (same N, same machine) runs
 * against a system on a 1-node broker and against a system on a 3-node cluster, in rounds (1 then 3,
 * then 3 then 1: a drift of the machine weighs on both alike), each a second
 * system of its own (scripts/second-system.sh: its own databases, stream, ports; started fresh,
 * stopped afterwards), and the 3-node figures are reported as ratios of the 1-node ones in
 * results/cluster-bench-<time>.{md,json}. A broker set the benchmark had to start is stopped again.
 */
import { readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import { createConnection } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@demo/service-kit/config';
import { loadBenchConfig, runOrder, type BenchConfig } from './cluster-bench/config.js';
import { compare, renderComparison, type BenchRun } from './cluster-bench/compare.js';
import { secondSystem, type SystemSpec } from './cluster-bench/second-system.js';
import type { LoadReport } from './report/types.js';
import { stamp } from './report/write.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const log = (line: string) => console.log(`[bench] ${line}`);

/** Whether the first node of the set already takes connections (then the benchmark leaves it running). */
function answers(spec: SystemSpec): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port: 5552 + spec.brokerPortOffset, timeout: 1_000 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

async function loadRun(config: BenchConfig, spec: SystemSpec, label: string, dir: string, runId: string): Promise<BenchRun> {
  const nodes = spec.brokerNodes === 1 ? 1 : 3;
  const broker = `${spec.brokerNodes === 1 ? '1 node' : `${spec.brokerNodes} nodes`} (${spec.brokerName}, streams 127.0.0.1:${5552 + spec.brokerPortOffset}${spec.brokerNodes > 1 ? `-${5551 + spec.brokerPortOffset + spec.brokerNodes}` : ''})`;
  log(`${label}: a fresh system on ${broker}, customer-service on ${spec.basePort}`);
  await secondSystem(repoRoot, spec, ['fresh']);
  const resultsDir = path.join(dir, label.replace(/\W+/g, '-'));
  try {
    log(`${label}: load test N=${config.n} CONCURRENCY=${config.concurrency}`);
    await secondSystem(repoRoot, spec, ['run', 'node', path.join(repoRoot, 'load-test/dist/src/main.js')], {
      N: String(config.n),
      CONCURRENCY: String(config.concurrency),
      RESULTS_DIR: resultsDir,
      RUN_ID: `${runId}-${label.replace(/\W+/g, '-')}`,
      REBUILD: 'off',
      BASELINES: '1',
    }).catch((error: unknown) => log(`${label}: ${(error as Error).message} (its report says why)`));
  } finally {
    await secondSystem(repoRoot, spec, ['down']);
  }
  const file = (await readdir(resultsDir)).find((name) => /^load-.*\.json$/.test(name));
  if (!file) throw new Error(`the load test wrote no report in ${resultsDir}`);
  const report = JSON.parse(await readFile(path.join(resultsDir, file), 'utf8')) as LoadReport;
  return { label, nodes, broker, report, reportFile: path.relative(repoRoot, path.join(resultsDir, file.replace(/\.json$/, '.md'))) };
}

async function main(): Promise<number> {
  let config: BenchConfig;
  try {
    config = loadBenchConfig(repoRoot);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`bench-cluster: ${error.message}`);
    return 2;
  }
  const startedAt = new Date();
  const base = `cluster-bench-${stamp(startedAt)}`;
  const dir = path.join(config.resultsDir, base);
  await mkdir(dir, { recursive: true });
  const wasUp = new Map<SystemSpec, boolean>();
  for (const spec of [config.single, config.cluster]) wasUp.set(spec, await answers(spec));
  try {
    const runs: BenchRun[] = [];
    for (const { nodes, round } of runOrder(config.rounds)) {
      runs.push(await loadRun(config, nodes === 1 ? config.single : config.cluster, `${nodes}-node #${round}`, dir, base));
    }
    const reportsOf = (nodes: 1 | 3) => runs.filter((run) => run.nodes === nodes).map((run) => run.report);
    const figures = compare(reportsOf(1), reportsOf(3));
    const markdown = renderComparison(runs, figures, startedAt.toISOString());
    await writeFile(path.join(config.resultsDir, `${base}.md`), markdown);
    await writeFile(
      path.join(config.resultsDir, `${base}.json`),
      `${JSON.stringify({ startedAt: startedAt.toISOString(), n: config.n, concurrency: config.concurrency, runs: runs.map(({ label, broker, reportFile }) => ({ label, broker, reportFile })), figures }, null, 2)}\n`,
    );
    console.log(`\n${markdown}`);
    log(`report: ${path.relative(repoRoot, path.join(config.resultsDir, `${base}.md`))} (and .json)`);
    const failed = runs.filter((run) => run.report.failures.length > 0);
    if (failed.length > 0) {
      console.error(`bench-cluster FAILED: the load test did not verify on ${failed.map((run) => run.label).join(' and ')}`);
      return 1;
    }
    return 0;
  } finally {
    for (const [spec, up] of wasUp) {
      if (!up) {
        log(`stopping the broker set ${spec.brokerName}, which the benchmark started`);
        await secondSystem(repoRoot, spec, ['stop-broker']).catch((error: unknown) => log(`could not stop it: ${(error as Error).message}`));
      }
    }
  }
}

process.exitCode = await main();
