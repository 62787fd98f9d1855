/**
 * `make run-chaos`: fault injection and bad input against the running system (make dependencies,
 * or the one its settings name: RUN_DIR, RABBITMQ_HOSTS, BROKER_*; a cluster gets the cluster
 * faults too). Each fault in its own run, then all of them in one run; then the HTTP and stream
 * bad-input checks. Prints a results table and exits non-zero when any figure is off. The system is
 * always restored (services running, broker and PostgreSQL up), even on failure.
 */
import { ConfigError } from '@demo/service-kit/config';
import { checkHttpBadInput, type HttpBadInputResult } from './bad-input/http-check.js';
import { checkStreamBadInput, type StreamBadInputResult } from './bad-input/stream-check.js';
import { CliError, parseCli, USAGE, type CliOptions } from './cli.js';
import { openDatabases } from './db.js';
import { FAULTS } from './faults/index.js';
import { openBrokerProbe } from './broker-probe.js';
import { badInputTable, faultTable } from './report.js';
import { runFaults, type RunResult } from './run.js';
import { loadSettings, type Settings } from './settings.js';
import { streamMaxBytes } from './stream-reader.js';
import { System } from './system.js';

const started = performance.now();
function log(line: string) {
  console.log(`${((performance.now() - started) / 1000).toFixed(1).padStart(6)}s ${line}`);
}

async function main(argv: readonly string[]): Promise<number> {
  let settings: Settings;
  let options: CliOptions;
  try {
    if (argv.includes('--help')) throw new CliError(USAGE);
    settings = loadSettings();
    options = parseCli(argv, { cluster: settings.cluster, partitioned: settings.stream.partitions > 1, streamMaxBytes: await streamMaxBytes(settings) });
  } catch (error) {
    if (error instanceof CliError) {
      console.error(error.message === USAGE ? USAGE : `${error.message}\n${USAGE}`);
      return 2;
    }
    if (!(error instanceof ConfigError)) throw error;
    console.error(`chaos: ${error.message}`);
    return 2;
  }
  const system = new System(settings);
  const dbs = openDatabases(settings.customerDbUrl, settings.orderDbUrl);
  const broker = openBrokerProbe(settings);
  const runs: RunResult[] = [];
  let http: HttpBadInputResult | undefined;
  let stream: StreamBadInputResult | undefined;
  const problems: string[] = [];
  let interrupted = false;
  const onSignal = () => {
    interrupted = true;
    log('interrupted: finishing the current step, then restoring the system');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    log(
      `checking the system is up (${settings.customerUrl}, ${settings.orders.map((order) => order.url).join(', ')}; ` +
        `broker ${settings.cluster ? `cluster of ${settings.broker.nodes.length} nodes` : 'one node'} ${settings.broker.nodes.map((node) => `${node.host}:${node.port}`).join(',')}, ${settings.stream.partitions > 1 ? 'super stream' : 'stream'} ${settings.stream.name}${settings.stream.partitions > 1 ? ` of ${settings.stream.partitions} partitions` : ''})`,
    );
    try {
      await system.waitHealthy(30_000, 200);
    } catch (error) {
      console.error(`the system is not ready: ${(error as Error).message}\nstart it with: make dependencies`);
      return 2;
    }
    const plan = [
      ...options.single.map((name) => ({ label: name, faults: [FAULTS[name]] })),
      ...(options.combined.length > 0 ? [{ label: 'combined', faults: options.combined.map((name) => FAULTS[name]) }] : []),
    ];
    for (const step of plan) {
      if (interrupted) break;
      const run = await runFaults(step.label, step.faults, { settings, system, dbs, broker, ops: options.ops, concurrency: options.concurrency, ...(options.rate ? { rate: options.rate } : {}), convergeTimeoutMs: options.convergeTimeoutMs, log });
      runs.push(run);
      run.problems.push(...(await system.restore(log)));
      log(`[${run.label}] ${run.problems.length === 0 ? 'PASS' : 'FAIL'} in ${(run.durationMs / 1000).toFixed(1)} s${run.problems.length ? `:\n  ${run.problems.join('\n  ')}` : ''}`);
    }
    if (options.badInput.http && !interrupted) {
      try {
        http = await checkHttpBadInput(settings, system, dbs, log);
        for (const failure of http.failures) problems.push(`bad input (HTTP): ${failure}`);
        for (const change of http.databaseChanges) problems.push(`bad input (HTTP) changed ${change}`);
        for (const change of http.foreignChanges) log(`[bad-input/http] warning: other clients changed ${change} during the check (no trace of the corpus)`);
      } catch (error) {
        problems.push(`bad input (HTTP) check failed: ${(error as Error).message}`);
      }
      problems.push(...(await system.restore(log)));
    }
    if (options.badInput.stream && !interrupted) {
      try {
        stream = await checkStreamBadInput(settings, dbs, log);
        for (const failure of stream.failures) problems.push(`bad input (stream): ${failure}`);
      } catch (error) {
        problems.push(`bad input (stream) check failed: ${(error as Error).message}`);
      }
    }
  } catch (error) {
    problems.push(`chaos suite failed: ${(error as Error).stack ?? String(error)}`);
  } finally {
    try {
      problems.push(...(await system.restore(log)));
    } catch (error) {
      problems.push(`could not restore the system: ${(error as Error).message}`);
    }
    await dbs.close().catch(() => undefined);
    await broker.close().catch(() => undefined);
  }

  for (const run of runs) for (const p of run.problems) problems.push(`${run.label}: ${p}`);
  if (interrupted) problems.push('interrupted before the end');
  console.log('');
  if (runs.length > 0) {
    console.log(
      `Faults (at least ${options.ops} operations per run at concurrency ${options.concurrency}${options.rate ? `, ${options.rate} started per second` : ''}, more while a fault lasts; recovery = until the system ` +
        'served again: the first event confirmed after a broker fault, the takeover after an order instance fault, healthy again after the others)',
    );
    console.log(faultTable(runs));
    for (const run of runs) for (const outcome of run.outcomes) console.log(`  ${run.label}: ${outcome.injected}: ${outcome.details.join('; ')}`);
    for (const run of runs) {
      const retainedOut = run.verification?.retainedOut ?? 0;
      if (retainedOut > 0) console.log(`  ${run.label}: ${retainedOut} versions' events were removed by retention before the stream was read (checked in customer_db and the replica)`);
    }
    for (const run of runs) if (run.workload.samples503.length > 0) console.log(`  ${run.label}: 503 answers (retried), e.g. ${run.workload.samples503.join(' | ')}`);
    console.log('');
  }
  if (http || stream) {
    console.log('Bad input');
    console.log(badInputTable(http, stream));
    console.log('');
  }
  if (problems.length > 0) {
    console.log(`FAILED (${problems.length}):`);
    for (const problem of problems.slice(0, 60)) console.log(`  - ${problem}`);
    if (problems.length > 60) console.log(`  ... and ${problems.length - 60} more`);
    return 1;
  }
  console.log(`PASSED in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
// Stream clients may keep timers alive for a moment: do not hang the make target on them.
setTimeout(() => process.exit(process.exitCode), 2_000).unref();
