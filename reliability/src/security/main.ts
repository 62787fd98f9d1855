/**
 * `npm run security -w reliability` (make test-security, make run-security): the security suite against the
 * running system its settings name (SystemEnv, RUN_DIR; the services' HTTP limits from the same environment;
 * the service accounts of .run/credentials.env). Tries what an attacker or a misconfigured client would, prints
 * a table of what was tried and what held, and exits 1 when anything did not hold (2: bad settings, system down).
 */
import { randomUUID } from 'node:crypto';
import { requestJson, request } from '../http.js';
import { pollUntil } from '../poll.js';
import { table } from '../report.js';
import { System } from '../system.js';
import { checkBrokerAccess } from './broker-access.js';
import { checkDatabaseAccess } from './database-access.js';
import { checkProtectedRoutes, unknownToken, type Target, type Tokens } from './http-auth.js';
import { checkLogs, logsSince, markLogs } from './log-scan.js';
import { probe, type Probe } from './probe.js';
import { checkRateLimit, waitUntilNotLimited } from './rate-limit.js';
import { loadSecuritySettings, type SecuritySettings } from './settings.js';
import { checkSlowClients } from './slow-clients.js';

const started = performance.now();
const log = (line: string) => console.log(`${((performance.now() - started) / 1000).toFixed(1).padStart(6)}s ${line}`);

/** Failed writes on sockets the broker closed, should the stream client leave one unhandled: not the suite's failure. */
const NETWORK_CODES = new Set(['EBADF', 'ECONNRESET', 'EPIPE', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);
process.on('unhandledRejection', (reason) => {
  const code = (reason as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return;
  console.error('unhandled rejection:', reason);
  process.exit(2);
});

/** What the run sends that carries personal data: customers with emails of the run, through every path that takes one. */
async function personalDataTraffic(settings: SecuritySettings, run: string): Promise<{ emails: string[]; customerId: string }> {
  const emails = Array.from({ length: 6 }, (_, i) => `security-${run}-${i}@example.com`);
  const url = settings.customerUrl;
  const created = await requestJson(`${url}/customers`, { name: 'Security Probe', email: emails[0], address: '1 Probe St' });
  if (created.status !== 201) throw new Error(`creating the run's customer answered ${created.status}: ${created.text.slice(0, 200)}`);
  const customerId = (created.json as { customer_id: string }).customer_id;
  // The same email again (409, PostgreSQL's unique violation names the value), an invalid body, one too large,
  // a wrong media type, an email where an address goes, an order, a deletion.
  await requestJson(`${url}/customers`, { name: 'Security Probe', email: emails[0], address: '1 Probe St' });
  await request(`${url}/customers`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"name": "x", "email": "${emails[1]}", ` });
  await request(`${url}/customers`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x', email: emails[2], address: 'y'.repeat(70_000) }) });
  await request(`${url}/customers`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: emails[3] });
  await requestJson(`${url}/customers`, { name: 'x', email: 'not an email', address: emails[4] });
  await requestJson(`${url}/customers/${customerId}/address`, { address: `c/o ${emails[5]}` }, 'PUT');
  await requestJson(`${settings.orders[0]!.url}/orders`, { customer_id: customerId });
  await request(`${url}/customers/${customerId}`, { method: 'DELETE' });
  return { emails, customerId };
}

async function main(): Promise<number> {
  let settings: SecuritySettings;
  try {
    settings = loadSecuritySettings();
  } catch (error) {
    console.error(`security: ${(error as Error).message}`);
    return 2;
  }
  const system = new System(settings);
  const targets: Target[] = [
    { name: 'customer', kind: 'customer', url: settings.customerUrl },
    ...settings.orders.map((order) => ({ name: order.name, kind: 'order' as const, url: order.url })),
  ];
  log(`security suite against ${targets.map((t) => t.url).join(', ')}, stream ${settings.stream.name}, logs in ${settings.runDir}`);
  try {
    await system.waitHealthy(30_000, 500);
  } catch (error) {
    console.error(`the system is not ready: ${(error as Error).message}`);
    return 2;
  }
  await waitUntilNotLimited(targets.map((t) => t.url), log);
  const marks = await markLogs(settings.runDir);
  const run = randomUUID().slice(0, 8);
  const tokens: Tokens = { operator: settings.tokens.OPERATOR_TOKEN, reader: settings.tokens.READER_TOKEN, metrics: settings.tokens.METRICS_TOKEN };
  const probes: Probe[] = [];

  // The slow clients take up to the request timeout: they run while everything else is tried.
  const slow = checkSlowClients(targets[0]!, settings.limits);
  log('personal data through every path that takes it');
  const traffic = await personalDataTraffic(settings, run);
  log('protected routes without a token, with an unknown one, with another scope\'s');
  const guessed = unknownToken();
  probes.push(...(await checkProtectedRoutes(targets, tokens, { customerId: traffic.customerId, secrets: [...traffic.emails, traffic.customerId], unknownToken: guessed })));
  log('PostgreSQL with the services\' own accounts');
  probes.push(...(await checkDatabaseAccess(settings.accounts, settings)));
  log('RabbitMQ with the services\' own users');
  probes.push(
    ...(await checkBrokerAccess({
      host: settings.stream.host,
      port: settings.stream.port,
      vhost: settings.stream.vhost,
      // A super stream's name is its exchange: the probes read and publish on a stream, its first partition.
      stream: settings.stream.streams[0]!,
      operator: { user: settings.stream.user, password: settings.stream.password },
      customerService: { user: 'customer-service', password: settings.accounts.customerRabbitPassword },
      orderService: { user: 'order-service', password: settings.accounts.orderRabbitPassword },
    })),
  );
  log(`slow clients (HTTP_HEADERS_TIMEOUT_MS ${settings.limits.headersTimeoutMs}, HTTP_REQUEST_TIMEOUT_MS ${settings.limits.requestTimeoutMs})`);
  probes.push(...(await slow));
  // Last: it leaves the instance limited for the rest of the minute.
  const limited = targets.at(-1)!;
  log(`rate limit on ${limited.name}`);
  probes.push(...(await checkRateLimit(limited, settings.limits)));

  // The order side applied the run's events (and logged whatever it logs of them) before the logs are read.
  const replicaSeen = await pollUntil(
    async () => (await request(`${settings.orders[0]!.url}/replica/customers/${traffic.customerId}`, { headers: { authorization: `Bearer ${settings.tokens.OPERATOR_TOKEN ?? ''}` } })).status === 200,
    { timeoutMs: 15_000, intervalMs: 200, what: 'the replica to hold the run\'s customer' },
  ).then(() => true, () => false);
  if (!replicaSeen) probes.push(probe('logs', 'the order side applied the run\'s events before the logs were read', 'within 15 s', 'not seen', false));
  const sentTokens = [settings.tokens.OPERATOR_TOKEN, settings.tokens.READER_TOKEN, settings.tokens.METRICS_TOKEN, guessed].filter((token): token is string => Boolean(token));
  probes.push(...checkLogs(await logsSince(settings.runDir, marks), { emails: traffic.emails, tokens: sentTokens }));

  console.log('');
  console.log(table(['area', 'tried', 'expected', 'observed', 'held'], probes.map((p) => [p.area, p.tried, p.expected, p.observed, p.held === 'not tried' ? 'not tried' : p.held ? 'yes' : 'NO'])));
  const failed = probes.filter((p) => p.held === false);
  const notTried = probes.filter((p) => p.held === 'not tried');
  console.log('');
  console.log(`${probes.length - failed.length - notTried.length} held, ${failed.length} did not${notTried.length ? `, ${notTried.length} not tried here` : ''} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  return failed.length === 0 ? 0 : 1;
}

process.exitCode = await main();
setTimeout(() => process.exit(process.exitCode), 2_000).unref();
