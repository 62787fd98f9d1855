/**
 * TLS on the stream connections, against a RabbitMQ node of the test's own (set `tlstest`, from the project's
 * debootstrap root, scripts/infra/rabbitmq.sh) whose stream listener speaks TLS with a certificate signed by a CA
 * the test makes: a client given that CA connects, publishes and consumes (the publisher's and the consumer's own
 * connections are TLS too), a real customer-service runs on it, and a client without the CA, or without TLS, is
 * refused. The node is stopped afterwards (a new certificate each run).
 */
import { execFile } from 'node:child_process';
import { chownSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { homedir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { connectBroker, type BrokerEnv, type StreamConnection, type StreamLogger } from '@demo/stream';
import { createTestDatabase, freePort, REPO_ROOT, ServiceProcess, suffix, until, type TestDatabase } from '@demo/test-support';
import { Offset } from 'rabbitmq-stream-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCertificates, type TestCertificates } from './support/certificates.js';

const SET = { BROKER_NAME: 'tlstest', BROKER_NODES: '1', BROKER_PORT_OFFSET: '640' };
const PLAIN_PORT = 5552 + 640;
const TLS_PORT = 5551 + 640;
const MANAGEMENT_URL = `http://127.0.0.1:${15672 + 640}`;
const root = path.join(process.env.RABBITMQ_ROOT_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'rabbitmq-streams-demo'), 'rabbitmq-root');
/** Where the node, inside the root, reads its certificate. */
const TLS_DIR = `/etc/rabbitmq/${SET.BROKER_NAME}-tls`;

const operatorPassword = /^OPERATOR_RABBITMQ_PASSWORD=(.*)$/m.exec(readFileSync(path.join(REPO_ROOT, '.run', 'credentials.env'), 'utf8'))?.[1] ?? '';
let certs: TestCertificates;
const stream = `test-tls-${suffix()}`;
const connections: StreamConnection[] = [];
const processes: ServiceProcess[] = [];
let database: TestDatabase | undefined;

function infra(...args: string[]) {
  return promisify(execFile)('bash', [path.join(REPO_ROOT, 'scripts/infra.sh'), ...args], { cwd: REPO_ROOT, timeout: 180_000, env: { ...process.env, ...SET } });
}

/** The broker settings a service reads, on the TLS port. */
function env(overrides: Partial<BrokerEnv> = {}): BrokerEnv {
  return {
    RABBITMQ_HOST: '127.0.0.1',
    RABBITMQ_STREAM_PORT: TLS_PORT,
    RABBITMQ_USER: 'operator',
    RABBITMQ_PASSWORD: operatorPassword,
    RABBITMQ_VHOST: '/',
    RABBITMQ_MANAGEMENT_URL: MANAGEMENT_URL,
    RABBITMQ_TLS: true,
    RABBITMQ_TLS_CA_FILE: certs.ca,
    ...overrides,
  };
}

/** A logger that keeps the reasons connects failed. */
function failures() {
  const reasons: string[] = [];
  const logger: StreamLogger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (details: object) => void reasons.push(String((details as { err?: unknown }).err ?? '')),
    error: () => undefined,
  };
  return { reasons, logger };
}

/** The broker's stream connections of that name (management API). */
async function brokerConnections(name: string): Promise<Array<{ ssl?: boolean; port?: number }>> {
  const answer = await fetch(`${MANAGEMENT_URL}/api/stream/connections`, { headers: { authorization: `Basic ${Buffer.from(`operator:${operatorPassword}`).toString('base64')}` } });
  const all = (await answer.json()) as Array<{ ssl?: boolean; port?: number; client_properties?: { connection_name?: string } }>;
  return all.filter((c) => c.client_properties?.connection_name === name);
}

/** Sends a stream PeerProperties request in clear: `answered` when a response frame comes back, `closed` when the socket ends first. */
function peerPropertiesAnswer(port: number): Promise<'answered' | 'closed'> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => reject(new Error(`port ${port} neither answered nor closed`)), 10_000);
    const done = (outcome: 'answered' | 'closed') => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    socket.on('connect', () => socket.write(Buffer.from('0000000c00110001000000010000000000', 'hex').subarray(0, 16)));
    socket.on('data', (data: Buffer) => (data.length >= 8 && data.readUInt16BE(4) === 0x8011 ? done('answered') : undefined));
    socket.on('close', () => done('closed'));
    socket.on('error', () => undefined);
  });
}

function started(connection: StreamConnection): StreamConnection {
  connections.push(connection);
  connection.start();
  return connection;
}

beforeAll(async () => {
  certs = makeCertificates(['IP:127.0.0.1', 'DNS:localhost'], 'broker-tls');
  // The certificate and key where the node reads them, owned by the root's rabbitmq user.
  const [uid, gid] = readFileSync(path.join(root, 'etc/passwd'), 'utf8').split('\n').find((line) => line.startsWith('rabbitmq:'))!.split(':').slice(2, 4).map(Number);
  rmSync(path.join(root, TLS_DIR), { recursive: true, force: true });
  mkdirSync(path.join(root, TLS_DIR), { recursive: true });
  for (const [from, to] of [[certs.ca, 'ca.pem'], [certs.cert, 'server.pem'], [certs.key, 'server.key']] as const) {
    copyFileSync(from, path.join(root, TLS_DIR, to));
    chownSync(path.join(root, TLS_DIR, to), uid!, gid!);
  }
  const extra = path.join(certs.dir, 'tls.conf');
  writeFileSync(
    extra,
    [
      `stream.listeners.ssl.default = ${TLS_PORT}`,
      `ssl_options.cacertfile = ${TLS_DIR}/ca.pem`,
      `ssl_options.certfile = ${TLS_DIR}/server.pem`,
      `ssl_options.keyfile = ${TLS_DIR}/server.key`,
      'ssl_options.verify = verify_none',
      'ssl_options.fail_if_no_peer_cert = false',
      '',
    ].join('\n'),
  );
  // A node left running by an earlier run holds that run's certificate.
  await infra('rabbitmq-stop');
  await promisify(execFile)('bash', [path.join(REPO_ROOT, 'scripts/infra.sh'), 'up'], { cwd: REPO_ROOT, timeout: 180_000, env: { ...process.env, ...SET, BROKER_EXTRA_CONF: extra } });
}, 240_000);

afterAll(async () => {
  await Promise.all(processes.map((service) => service.stop()));
  await Promise.all(connections.map((connection) => connection.close()));
  await database?.drop();
  await infra('rabbitmq-stop');
  rmSync(path.join(root, TLS_DIR), { recursive: true, force: true });
  // The throwaway CA's and server's keys.
  if (certs) rmSync(certs.dir, { recursive: true, force: true });
}, 120_000);

describe('stream connections over TLS', () => {
  it('connect with the CA, and publish and consume over TLS', async () => {
    // Given a client that trusts the test's CA, on the TLS listener
    const connection = started(connectBroker(env(), { connectionName: 'test tls', logger: failures().logger }));
    const client = await connection.ready();
    await client.createStream({ stream, arguments: {} });
    // When it publishes (a publisher's own connection) and consumes (a consumer's)
    const publisher = await client.declarePublisher({ stream });
    await publisher.send(Buffer.from('over tls'));
    const received: string[] = [];
    await client.declareConsumer({ stream, offset: Offset.first() }, (message) => void received.push(message.content.toString()));
    // Then the message comes back, and the broker says every connection of the client is TLS
    await until(() => received.length > 0, 15_000, 'the message consumed');
    expect(received).toEqual(['over tls']);
    let ours: Array<{ ssl?: boolean; port?: number }> = [];
    await until(async () => (ours = await brokerConnections('test tls')).length >= 3, 15_000, 'the locator, publisher and consumer connections in the management API').catch((error: unknown) => {
      throw new Error(`${(error as Error).message}: ${JSON.stringify(ours)}`);
    });
    expect(ours.map((c) => [c.ssl, c.port])).toEqual(ours.map(() => [true, TLS_PORT]));
  }, 60_000);

  it('refuse a client that does not have the CA', async () => {
    // Given a client that trusts Node's default CAs only
    const { reasons, logger } = failures();
    const connection = started(connectBroker(env({ RABBITMQ_TLS_CA_FILE: undefined }), { connectionName: 'test tls without ca', logger }));
    // Then its connects fail on the certificate, and it never gets a client
    await until(() => reasons.length >= 2, 20_000, 'two failed connects');
    expect(reasons[0]).toMatch(/certificate/i);
    expect(connection.isConnected).toBe(false);
  }, 30_000);

  it('answer no stream frame in clear on the TLS listener', async () => {
    // A PeerProperties request in clear, as a client without TLS opens with (the client library itself would leave
    // the failed writes that follow unhandled: see tlsHandshake in lib/stream/src/connection.ts)
    expect(await peerPropertiesAnswer(TLS_PORT)).toBe('closed');
    // while the plain listener of the same node answers it (what the health checks use)
    expect(await peerPropertiesAnswer(PLAIN_PORT)).toBe('answered');
  }, 30_000);

  it('encrypt without verifying only when RABBITMQ_TLS_REJECT_UNAUTHORIZED=false', async () => {
    const connection = started(connectBroker(env({ RABBITMQ_TLS_CA_FILE: undefined, RABBITMQ_TLS_REJECT_UNAUTHORIZED: false }), { connectionName: 'test tls no verify', logger: failures().logger }));
    await connection.ready();
  }, 30_000);

  it('run customer-service from its environment: RABBITMQ_TLS and RABBITMQ_TLS_CA_FILE', async () => {
    // Given customer-service on the TLS listener
    database = await createTestDatabase('tls_customer');
    const service = new ServiceProcess('customer-service', 'customer-tls', await freePort(), {
      DATABASE_URL: database.url,
      STREAM_NAME: stream,
      RABBITMQ_HOST: '127.0.0.1',
      RABBITMQ_STREAM_PORT: String(TLS_PORT),
      RABBITMQ_MANAGEMENT_URL: MANAGEMENT_URL,
      RABBITMQ_USER: 'operator',
      RABBITMQ_PASSWORD: operatorPassword,
      RABBITMQ_TLS: 'true',
      RABBITMQ_TLS_CA_FILE: certs.ca,
      OUTBOX_POLL_MS: '50',
    }).start();
    processes.push(service);
    await service.ready();
    // When a customer is created
    const created = await fetch(`${service.url}/customers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Tls Test', email: `tls-${suffix()}@example.com`, address: '1 Secure St' }),
    });
    expect(created.status).toBe(201);
    const { customer_id: id } = (await created.json()) as { customer_id: string };
    // Then its event reaches the stream, read back over TLS
    const reader = started(connectBroker(env(), { connectionName: 'test tls reader', logger: failures().logger }));
    const bodies: string[] = [];
    await (await reader.ready()).declareConsumer({ stream, offset: Offset.first() }, (message) => void bodies.push(message.content.toString()));
    await until(() => bodies.some((body) => body.includes(id)), 15_000, 'the customer.created event on the stream');
  }, 90_000);
});
