import { insertRateOf, measureInsertBaseline } from './baselines/postgres-insert.js';
import { measureReplayBaseline, measureStreamBaseline } from './baselines/stream.js';
import { ConfigError, loadConfig, type LoadConfig } from './config.js';
import { withCpuBudget } from './cpu.js';
import { statementCosts, statementSnapshot } from './pg-statements.js';
import { measureStreamFootprint } from './stream-footprint.js';
import { acknowledgedExpectation, waitForConvergence } from './convergence.js';
import { verifyCreates, verifyRun } from './verify.js';
import { openDatabases, sourceState, type Summary } from './databases.js';
import { createGcRecorder, type GcPauses } from './gc-pauses.js';
import type { BatchResult, PhaseCounter } from './http-load.js';
import { createCustomers } from './phases/create.js';
import { newModel } from './phases/model.js';
import { placeOrders } from './phases/orders.js';
import { planUpdates, updateAddresses } from './phases/update.js';
import { createProgress } from './progress.js';
import { histogramQuantile } from './prometheus.js';
import { withGroupCommits } from './group-commits.js';
import { walFigures, walSnapshot } from './wal.js';
import { seededRandom } from './random.js';
import { measureBootstrap, measureBootstrapBaseline } from './bootstrap.js';
import { measureRebuild, rebuildScript } from './rebuild.js';
import { compareWithHistory, earlierReports, latestReport } from './report/history.js';
import { scaleCurve } from './report/scale.js';
import { readinessProblems } from './readiness.js';
import { renderSummary } from './report/markdown.js';
import { evaluateTargets } from './report/targets.js';
import type { LoadReport, PhaseReport } from './report/types.js';
import { writeReport } from './report/write.js';
import { createSampler } from './sampler.js';
import { describeRateLimits, memoryOf, rateLimitOf, serviceRefs } from './services.js';
import { NumberLog, summarize } from './stats.js';

const log = (line: string) => console.log(`[load] ${line}`);

const gc = createGcRecorder();

/** Before a measured phase: the load generator's garbage of the steps before is collected now, not inside the phase. */
function collectBefore(phase: string) {
  const ms = gc.collectNow();
  if (ms !== undefined) log(`load generator's full collection before the ${phase}: ${ms.toFixed(0)} ms`);
}

function phaseReport(results: Array<BatchResult<unknown>>, requests: number): PhaseReport {
  const latencies = new NumberLog();
  const errorsByKind: Record<string, number> = {};
  let succeeded = 0;
  let failed = 0;
  let retried = 0;
  let seconds = 0;
  for (const result of results) {
    for (const value of result.latenciesMs.values()) latencies.push(value);
    for (const [kind, count] of Object.entries(result.errorsByKind)) errorsByKind[kind] = (errorsByKind[kind] ?? 0) + count;
    succeeded += result.succeeded;
    failed += result.failed.length;
    retried += result.retried;
  }
  let loadGeneratorGc: GcPauses | undefined;
  if (results.length > 0) {
    const [from, to] = [Math.min(...results.map((r) => r.startedAt)), Math.max(...results.map((r) => r.endedAt))];
    seconds = (to - from) / 1000;
    loadGeneratorGc = gc.between(from, to);
  }
  return { requests, succeeded, failed, retried, seconds, perS: seconds > 0 ? succeeded / seconds : 0, latencyMs: summarize(latencies.values()), errorsByKind, loadGeneratorGc };
}

const rawInsert = (config: LoadConfig) =>
  measureInsertBaseline(config.customerDatabaseUrl, config.concurrency, Math.min(50_000, Math.max(20_000, config.n)));

async function baselines(config: LoadConfig, report: LoadReport['baselines'], cpu: NonNullable<LoadReport['cpu']>, status: (s: string) => void) {
  try {
    status('baseline: PostgreSQL single-row inserts');
    const { cpu: insertCpu, ...insert } = await rawInsert(config);
    report.insert = insert;
    cpu.insertBaseline = insertCpu;
    log(`baseline insert: ${report.insert.rowsPerS.toFixed(0)} rows/s (${report.insert.concurrency} clients)`);
    status('baseline: stream publish + consume');
    report.stream = await measureStreamBaseline(config.rabbit, config.baselineMessages);
    log(`baseline stream: publish ${report.stream.publishPerS.toFixed(0)} msg/s, consume ${report.stream.consumePerS.toFixed(0)} msg/s`);
  } catch (error) {
    report.error = (error as Error).message;
    log(`baseline failed: ${report.error}`);
  }
}

async function main(): Promise<number> {
  let config: LoadConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`load-test: ${error.message}`);
      return 2;
    }
    throw error;
  }
  const problems = await readinessProblems(config);
  if (problems.length > 0) {
    for (const problem of problems) console.error(`load-test: ${problem}`);
    console.error('load-test: the system is not ready; start it with `make dependencies` and try again');
    return 2;
  }
  const startedAt = new Date();
  const t0 = Date.now();
  log(
    `run ${config.runId}: N=${config.n} CONCURRENCY=${config.concurrency} UNKNOWN_SHARE=${config.unknownShare} ` +
      `UPDATE_SHARE=${config.updateShare} ORDERS=${config.orders} against ${config.customerUrl}, ${config.orderUrls.join(', ')}`,
  );
  const progress = createProgress(t0);
  let statusText = '';
  progress.status(() => statusText);
  const setStatus = (text: string) => (statusText = text);

  const report: LoadReport = {
    runId: config.runId,
    startedAt: startedAt.toISOString(),
    settings: {
      n: config.n,
      concurrency: config.concurrency,
      unknownShare: config.unknownShare,
      updateShare: config.updateShare,
      orders: config.orders,
      convergeTimeoutMs: config.convergeTimeoutMs,
    },
    create: phaseReport([], 0),
    update: phaseReport([], 0),
    orders: { ...phaseReport([], 0), byStatus: {}, wrongStatus: 0 },
    convergence: { converged: false, polls: 0 },
    verification: { ok: false, customers: 0, replicaRows: 0, digest: '', replicaDigest: '', notAsAcknowledged: [], unacknowledgedInSource: 0 },
    replicationLagMs: { observations: 0 },
    outboxPublishLagMs: { observations: 0 },
    memoryMb: {},
    baselines: {},
    rebuild: { measured: false, reason: 'not attempted' },
    ratios: {},
    createdVerified: { ok: false, problems: [] },
    totalSeconds: 0,
    targets: [],
    cpu: {},
    failures: [],
    timeline: [],
    charts: [],
  };

  if (config.baselines) await baselines(config, report.baselines, report.cpu!, setStatus);

  const dbs = openDatabases(config.customerDatabaseUrl, config.orderDatabaseUrl);
  const services = serviceRefs(config.customerUrl, config.orderUrls, config.runDir);
  // The services rate-limit clients by address (RATE_LIMIT_PER_MINUTE) except RATE_LIMIT_ALLOW: say which applied here.
  report.settings.rateLimits = describeRateLimits(await Promise.all(services.map(async (service) => ({ name: service.name, limit: await rateLimitOf(service.url) }))));
  log(`rate limits applied to this load generator: ${report.settings.rateLimits}`);
  const model = newModel(config.runId, config.n);
  const random = seededRandom(config.runId);
  const counters = {
    create: { phase: 'create', total: config.n, ok: 0, errors: 0 } as PhaseCounter,
    update: { phase: 'update', total: 0, ok: 0, errors: 0 } as PhaseCounter,
    orders: config.orderUrls.map((url) => ({ phase: `orders ${new URL(url).port}`, total: 0, ok: 0, errors: 0 }) as PhaseCounter),
  };
  let phase = 'create';
  const sampler = createSampler(
    services,
    t0,
    () => ({ creates: counters.create.ok, updates: counters.update.ok, orders: counters.orders.reduce((s, c) => s + c.ok, 0) }),
    () => phase,
  );
  try {
    await sampler.tick(); // the first sample is the baseline of the per-second histogram diffs
    const http = { concurrency: config.concurrency, timeoutS: config.requestTimeoutS, maxRetries: config.maxRetries };
    const loadStarted = Date.now();
    gc.start();

    // 1. creates
    collectBefore('creates');
    setStatus('');
    progress.track([counters.create]);
    const unknownDraw = seededRandom(`${config.runId}:unknown`);
    const unknown = Array.from({ length: config.n }, () => unknownDraw() < config.unknownShare);
    const statementsBefore = await statementSnapshot(dbs.customer);
    const walBeforeCreates = await walSnapshot(dbs.customer);
    const { result: creates, groupCommits: createStatementsByPath } = await withGroupCommits(services, () => withCpuBudget(
      services,
      () =>
        createCustomers(model, (i) => unknown[i]!, counters.create, {
          ...http,
          baseUrl: config.customerUrl,
          idempotencyKeys: config.idempotencyKeys,
          resolveEmail: async (email) =>
            (await dbs.customer.query<{ id: string }>('SELECT id::text FROM customers WHERE lower(email) = lower($1)', [email])).rows[0]?.id,
        }),
      (result) => result.succeeded,
    ));
    report.groupCommits = { create: createStatementsByPath };
    const created = creates.result;
    report.wal = { create: walFigures(walBeforeCreates, await walSnapshot(dbs.customer), created.succeeded) };
    report.cpu!.create = creates.budget;
    const statementsAfter = statementsBefore && (await statementSnapshot(dbs.customer));
    report.createStatements =
      statementsBefore && statementsAfter
        ? statementCosts(statementsBefore, statementsAfter, created.succeeded)
        : { notMeasured: 'pg_stat_statements is not loaded (scripts/infra.sh loads it; a PostgreSQL started before needs a restart)' };
    report.create = phaseReport([created], config.n);
    log(`created ${created.succeeded}/${config.n} in ${report.create.seconds.toFixed(1)} s (${report.create.perS.toFixed(0)}/s)`);

    // 1b. The headline figure: every created customer in the replica, verified field by field,
    // before any update (updates and orders follow, and the end state is verified again).
    phase = 'converge';
    report.createdVerified = await verifyCreates(dbs, model, created.startedAt, config.convergeTimeoutMs, setStatus);
    setStatus('');
    if (report.createdVerified.ok) {
      log(`created, replicated and verified in ${report.createdVerified.seconds?.toFixed(1)} s (replica converged ${report.createdVerified.afterLastCreateMs} ms after the last create)`);
    } else {
      log(`CREATES NOT VERIFIED: ${report.createdVerified.problems.join('; ')}`);
    }

    // 2. updates (rounds in order), then convergence; then orders to every order instance.
    phase = 'update';
    collectBefore('updates');
    const plan = planUpdates(model, config.updateShare, random);
    counters.update.total = plan.total;
    const orderPicks = config.orders;
    counters.orders.forEach((c, k) => (c.total = Math.floor(orderPicks / config.orderUrls.length) + (k < orderPicks % config.orderUrls.length ? 1 : 0)));
    progress.track([counters.update, ...counters.orders]);
    const source = { state: undefined as Awaited<ReturnType<typeof sourceState>> | undefined, replica: undefined as Summary | undefined };
    const updatesThenConverge = (async () => {
      const walBeforeUpdates = await walSnapshot(dbs.customer);
      const { result: updates, groupCommits } = await withGroupCommits(services, () => withCpuBudget(
        services,
        () => updateAddresses(model, plan, config.unknownShare, random, counters.update, { ...http, baseUrl: config.customerUrl }),
        (results) => results.reduce((sum, result) => sum + result.succeeded, 0),
      ));
      report.groupCommits = { ...report.groupCommits, update: groupCommits };
      const walAfterUpdates = await walSnapshot(dbs.customer);
      const updated = updates.result;
      report.cpu!.update = updates.budget;
      report.update = phaseReport(updated, plan.total);
      report.wal = { ...report.wal, update: walFigures(walBeforeUpdates, walAfterUpdates, report.update.succeeded) };
      progress.untrack(counters.update);
      log(`updated ${report.update.succeeded}/${plan.total} (${plan.rounds.map((r) => r.length).join('+')}) in ${report.update.seconds.toFixed(1)} s (${report.update.perS.toFixed(0)}/s)`);
      phase = 'converge';
      const lastWriteAt = model.lastWriteAt;
      const expected = acknowledgedExpectation(model);
      const state = sourceState(dbs.customer, config.runId);
      void state.then((s) => (source.state = s), () => undefined);
      const convergence = await waitForConvergence(dbs, expected, state, lastWriteAt, config.convergeTimeoutMs, (p, target) =>
        setStatus(`converge  replica ${p.count}/${target.count} customers, ${p.versionSum}/${target.versionSum} versions, ${((Date.now() - lastWriteAt) / 1000).toFixed(1)} s after the last write`),
      );
      source.state = await state;
      source.replica = convergence.matched;
      setStatus('');
      // Without updates the last write is the last create, whose convergence was timed before the
      // verification of the creates; timing it again here would count that verification.
      const afterLastWriteMs = plan.total === 0 && report.createdVerified.ok ? report.createdVerified.afterLastCreateMs : convergence.afterLastWriteMs;
      report.convergence = { converged: convergence.converged, afterLastWriteMs, polls: convergence.polls };
      log(convergence.converged ? `replica converged ${afterLastWriteMs} ms after the last write` : `replica did not converge within ${config.convergeTimeoutMs} ms`);
    })();
    await updatesThenConverge;
    // Orders on their own phase, once the updates are done: their rate is POST /orders' alone
    // (they used to share the machine with the updates, which made their figure the updates' too).
    phase = 'orders';
    collectBefore('orders');
    const walBeforeOrders = await walSnapshot(dbs.customer);
    const { result: orders, groupCommits: orderStatements } = await withGroupCommits(services, () => withCpuBudget(
      services,
      () => placeOrders(model, new Set(plan.rounds.flat()), orderPicks, config.orderUrls, seededRandom(`${config.runId}:orders`), counters.orders, http),
      (result) => result.results.reduce((sum, r) => sum + r.succeeded, 0),
    ));
    report.groupCommits = { ...report.groupCommits, orders: orderStatements };
    const walAfterOrders = await walSnapshot(dbs.customer);
    const ordered = orders.result;
    report.cpu!.orders = orders.budget;
    report.orders = { ...phaseReport(ordered.results, orderPicks), byStatus: ordered.byStatus, wrongStatus: ordered.mismatches.length };
    report.wal = { ...report.wal, orders: walFigures(walBeforeOrders, walAfterOrders, report.orders.succeeded) };
    log(`placed ${report.orders.succeeded}/${orderPicks} orders in ${report.orders.seconds.toFixed(1)} s (${report.orders.perS.toFixed(0)}/s)`);
    progress.track([]);

    // 3. verification
    phase = 'verify';
    setStatus('verify    comparing customer_db and the replica field by field');
    const verification = await verifyRun(dbs, model, source.state, source.replica);
    setStatus('');
    report.totalSeconds = (Date.now() - loadStarted) / 1000;
    report.verification = {
      ok: verification.ok,
      customers: verification.sourceCount,
      replicaRows: verification.replicaCount,
      digest: verification.sourceDigest,
      replicaDigest: verification.replicaDigest,
      diff: verification.diff,
      ranges: verification.ranges,
      notAsAcknowledged: verification.notAsAcknowledged,
      unacknowledgedInSource: verification.unacknowledgedInSource,
    };
    log(verification.ok ? `verified ${verification.sourceCount} customers field by field (digest ${verification.sourceDigest})` : `VERIFICATION FAILED: ${verification.problems.join('; ')}`);

    // 3b. The raw insert again, so that the phases lie between two measurements of this machine's
    // speed: the ratios divide by their mean, and the report says how far it drifted (insertRateOf).
    if (config.baselines && report.baselines.insert) {
      phase = 'baseline';
      setStatus('baseline: PostgreSQL single-row inserts, again after the phases');
      try {
        const { cpu: _, ...after } = await rawInsert(config);
        report.baselines.insertAfter = after;
        log(`baseline insert after the phases: ${after.rowsPerS.toFixed(0)} rows/s (${report.baselines.insert.rowsPerS.toFixed(0)} before)`);
      } catch (error) {
        report.baselines.error = `insert after the phases: ${(error as Error).message}`;
      }
      setStatus('');
    }

    await sampler.tick();
    const replication = sampler.totals.replication;
    const outbox = sampler.totals.outbox;
    const msOf = (v: number | undefined) => (v === undefined ? undefined : v * 1000);
    report.replicationLagMs = { p50: msOf(histogramQuantile(replication, 0.5)), p99: msOf(histogramQuantile(replication, 0.99)), observations: replication?.count ?? 0 };
    report.outboxPublishLagMs = { p50: msOf(histogramQuantile(outbox, 0.5)), p99: msOf(histogramQuantile(outbox, 0.99)), observations: outbox?.count ?? 0 };
    await sampler.stop();

    // failures that make the exit code non-zero
    if (created.failed.length > 0) report.failures.push(`${created.failed.length} creates failed after ${config.maxRetries} retries`);
    if (report.update.failed > 0) report.failures.push(`${report.update.failed} updates failed after ${config.maxRetries} retries`);
    if (report.orders.failed > 0) report.failures.push(`${report.orders.failed} orders failed after ${config.maxRetries} retries`);
    for (const mismatch of ordered.mismatches.slice(0, 5)) {
      report.failures.push(`order for ${mismatch.customerId} (address ${JSON.stringify(mismatch.address)}) on ${mismatch.instance}: ${mismatch.got}, expected ${mismatch.expected}`);
    }
    report.failures.push(...report.createdVerified.problems.map((problem) => `after the creates: ${problem}`));
    if (!report.convergence.converged) report.failures.push(`replica did not converge within CONVERGE_TIMEOUT_MS=${config.convergeTimeoutMs}`);
    report.failures.push(...verification.problems);

    report.streamFootprint = await measureStreamFootprint(config.repoRoot, config.rabbit, config.streamName).catch((error: Error) => ({ notMeasured: error.message }));

    // 4. replay: the order-service rebuild, or a raw consumer of the customer stream as its ceiling
    const big = config.rebuild === 'on' || (config.rebuild === 'auto' && config.n >= 50_000);
    const script = await rebuildScript(config.repoRoot);
    if (!big) {
      report.rebuild = {
        measured: false,
        reason: config.rebuild === 'off' ? 'REBUILD=off' : 'REBUILD=auto skips it below N=50000 (set REBUILD=on)',
      };
    } else if (!script) {
      report.rebuild = { measured: false, reason: 'order-service has no rebuild script' };
    } else if (source.state && verification.ok) {
      phase = 'rebuild';
      report.rebuild = await measureRebuild(config.repoRoot, config.orderDatabaseUrl, config.orderUrls, dbs, source.state, config.convergeTimeoutMs * 4, setStatus);
      setStatus('');
      if (!report.rebuild.measured && !report.rebuild.throughSnapshot) report.failures.push(`rebuild: ${report.rebuild.reason}`);
      else if (report.rebuild.throughSnapshot) log(`rebuild: ${report.rebuild.reason}`);
      else log(`rebuild replayed ${report.rebuild.events} events in ${report.rebuild.seconds?.toFixed(2)} s (${report.rebuild.eventsPerS?.toFixed(0)}/s)`);
    } else {
      report.rebuild = { measured: false, reason: 'skipped: the run did not verify' };
    }
    // 5. bootstrap: the replica loaded again from customer-service's snapshot, against a raw batched upsert of the same rows
    if (big && script && source.state && verification.ok && (report.rebuild.measured || report.rebuild.throughSnapshot)) {
      phase = 'bootstrap';
      report.bootstrap = await measureBootstrap(config.repoRoot, config.orderDatabaseUrl, config.orderUrls, dbs, source.state, config.convergeTimeoutMs * 4, setStatus);
      setStatus('');
      if (!report.bootstrap.measured) report.failures.push(`bootstrap: ${report.bootstrap.reason}`);
      else log(`bootstrap loaded ${report.bootstrap.customers} customers in ${report.bootstrap.seconds?.toFixed(2)} s (${report.bootstrap.customersPerS?.toFixed(0)}/s)`);
      if (config.baselines) {
        setStatus('baseline: raw batched upsert of the snapshot rows');
        report.baselines.bootstrap = await measureBootstrapBaseline(dbs.customer, config.customerDatabaseUrl).catch((error: Error) => {
          report.baselines.error = `bootstrap: ${error.message}`;
          return undefined;
        });
        setStatus('');
        if (report.baselines.bootstrap) log(`baseline bootstrap upsert: ${report.baselines.bootstrap.rowsPerS.toFixed(0)} rows/s`);
      }
    }
    if (big && config.baselines) {
      setStatus('baseline: raw consumer replay of the customer stream');
      report.baselines.replay = await measureReplayBaseline(config.rabbit, config.streamName).catch((error: Error) => {
        report.baselines.error = `replay: ${error.message}`;
        return undefined;
      });
      setStatus('');
    }

    for (const service of services) {
      const memory = await memoryOf(service);
      const peak = sampler.peakRss.get(service.name);
      report.memoryMb[service.name] = {
        peakSampled: peak === undefined ? undefined : peak / 2 ** 20,
        highWaterMark: memory?.peakBytes === undefined ? undefined : memory.peakBytes / 2 ** 20,
      };
    }
    const insert = insertRateOf(report.baselines)?.rowsPerS;
    const consume = report.baselines.stream?.consumePerS;
    report.ratios = {
      createVsInsert: insert ? report.create.perS / insert : undefined,
      updateVsInsert: insert && report.update.perS ? report.update.perS / insert : undefined,
      replayVsConsume: consume && report.rebuild.eventsPerS ? report.rebuild.eventsPerS / consume : undefined,
      bootstrapVsRaw: report.baselines.bootstrap && report.bootstrap?.customersPerS ? report.bootstrap.customersPerS / report.baselines.bootstrap.rowsPerS : undefined,
    };
  } catch (error) {
    report.failures.push(`load test aborted: ${(error as Error).stack ?? String(error)}`);
  } finally {
    progress.stop();
    gc.stop();
    await sampler.stop();
    await dbs.close();
  }
  report.timeline = sampler.points;
  report.targets = evaluateTargets(report);
  report.history = compareWithHistory(report, await earlierReports(config.resultsDir, config.n));
  report.scale = scaleCurve(report, await latestReport(config.resultsDir));
  const files = await writeReport(config.resultsDir, report, startedAt);
  console.log('');
  console.log(renderSummary(report));
  console.log('');
  log(`report: ${files.markdown} (and .json)`);
  if (report.failures.length > 0) {
    console.error(`load-test FAILED:\n${report.failures.map((f) => `  - ${f}`).join('\n')}`);
    return 1;
  }
  log('PASSED: every request acknowledged, replica identical to customer_db');
  return 0;
}

process.exitCode = await main();
