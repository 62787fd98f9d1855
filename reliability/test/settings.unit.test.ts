import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadSettings, serviceNames } from '../src/settings.js';

const noRunEnv = () => ({});

describe('reliability settings', () => {
  it('default to the system of make dependencies', () => {
    // When
    const settings = loadSettings({ HOME: '/home/dev' }, noRunEnv);
    // Then
    expect(settings).toMatchObject({
      customerUrl: 'http://127.0.0.1:8080',
      orders: [
        { name: 'order-1', url: 'http://127.0.0.1:8081' },
        { name: 'order-2', url: 'http://127.0.0.1:8082' },
      ],
      customerDbUrl: 'postgres://app:app@127.0.0.1:5432/customer_db',
      orderDbUrl: 'postgres://app:app@127.0.0.1:5432/order_db',
      stream: { host: '127.0.0.1', port: 5552, user: 'guest', password: 'guest', vhost: '/', name: 'customer' },
      managementUrl: 'http://127.0.0.1:15672',
      rabbitmqRoot: '/home/dev/.cache/rabbitmq-streams-demo/rabbitmq-root',
      cluster: false,
      broker: { name: 'rabbit', nodes: [{ host: '127.0.0.1', port: 5552 }] },
      applyStallTimeoutMs: 30_000,
    });
    expect(settings.stream.nodes).toBeUndefined();
    expect(settings.runDir).toBe(path.join(settings.repo, '.run'));
    expect(settings.scriptEnv).toMatchObject({ BROKER_NODES: '1', STREAM_NAME: 'customer', RUN_DIR: settings.runDir });
    expect(serviceNames(settings)).toEqual(['customer', 'order-1', 'order-2']);
  });

  it('take the order instances from ORDER_URLS, as e2e and the load test do', () => {
    // When
    const settings = loadSettings({ ORDER_URLS: 'http://h:9001,http://h:9002/,http://h:9003', RABBITMQ_ROOT_CACHE: '/cache' }, noRunEnv);
    // Then
    expect(settings.orders).toEqual([
      { name: 'order-1', url: 'http://h:9001' },
      { name: 'order-2', url: 'http://h:9002' },
      { name: 'order-3', url: 'http://h:9003' },
    ]);
    expect(settings.rabbitmqRoot).toBe(path.join('/cache', 'rabbitmq-root'));
  });

  it.each([
    ['ORDER_URLS', 'http://127.0.0.1:8081', /ORDER_URLS lists 1 order-service instance; failover needs two/],
    ['RABBITMQ_STREAM_PORT', '99999', /^invalid configuration: RABBITMQ_STREAM_PORT /],
    ['CUSTOMER_URL', 'localhost:8080', /^invalid configuration: CUSTOMER_URL /],
    ['ORDER_DATABASE_URL', 'order_db', /^invalid configuration: ORDER_DATABASE_URL /],
  ])('refuse %s=%s naming the variable', (name, value, message) => {
    expect(() => loadSettings({ [name]: value }, noRunEnv)).toThrow(message);
  });

  it('know a cluster from RABBITMQ_HOSTS, and hand the set to scripts/infra.sh', () => {
    // When
    const settings = loadSettings(
      { RABBITMQ_HOSTS: '127.0.0.1:5652,127.0.0.1:5653,127.0.0.1:5654', BROKER_NAME: 'cluster', STREAM_NAME: 'customer-cluster', PATH: '/bin' },
      noRunEnv,
    );
    // Then
    expect(settings.cluster).toBe(true);
    expect(settings.broker).toEqual({ name: 'cluster', nodes: [5652, 5653, 5654].map((port) => ({ host: '127.0.0.1', port })) });
    expect(settings.stream).toMatchObject({ host: '127.0.0.1', port: 5652, nodes: settings.broker.nodes, name: 'customer-cluster' });
    expect(settings.scriptEnv).toMatchObject({ BROKER_NAME: 'cluster', BROKER_NODES: '3', STREAM_NAME: 'customer-cluster', PATH: '/bin' });
  });

  it('connect over TLS as the services do when RABBITMQ_TLS is set, with the CA file read', () => {
    // Given a CA file (any readable file: its contents are passed on as they are)
    const ca = fileURLToPath(import.meta.url);
    // When
    const plain = loadSettings({}, noRunEnv);
    const tls = loadSettings({ RABBITMQ_TLS: 'true', RABBITMQ_TLS_CA_FILE: ca }, noRunEnv);
    // Then
    expect(plain.stream.tls).toBeUndefined();
    expect(tls.stream.tls).toEqual({ ca: readFileSync(ca, 'utf8'), rejectUnauthorized: true });
  });

  it('know a cluster from BROKER_NODES alone, on the ports of its set', () => {
    // When
    const settings = loadSettings({ BROKER_NAME: 'chaos', BROKER_NODES: '3', BROKER_PORT_OFFSET: '200' }, noRunEnv);
    // Then
    expect(settings.cluster).toBe(true);
    expect(settings.broker.nodes.map((node) => node.port)).toEqual([5752, 5753, 5754]);
  });

  it('read the run directory infra.env beneath their own environment', () => {
    // Given a run directory whose infra.env names a cluster and its PostgreSQL
    const seen: string[] = [];
    const runEnv = (dir: string) => {
      seen.push(dir);
      return { RABBITMQ_HOSTS: '127.0.0.1:5752,127.0.0.1:5753', PG_CLUSTER: 'chaos', STREAM_NAME: 'from-file' };
    };
    // When
    const settings = loadSettings({ RUN_DIR: '.run-chaos', STREAM_NAME: 'from-env' }, runEnv);
    // Then
    expect(seen).toEqual([path.join(settings.repo, '.run-chaos')]);
    expect(settings.runDir).toBe(path.join(settings.repo, '.run-chaos'));
    expect(settings.cluster).toBe(true);
    expect(settings.stream.name).toBe('from-env');
    expect(settings.scriptEnv).toMatchObject({ PG_CLUSTER: 'chaos', BROKER_NODES: '2', RUN_DIR: settings.runDir });
  });

  it('refuse a node count that contradicts RABBITMQ_HOSTS', () => {
    expect(() => loadSettings({ RABBITMQ_HOSTS: '127.0.0.1:5652,127.0.0.1:5653', BROKER_NODES: '3' }, noRunEnv)).toThrow(
      /BROKER_NODES=3 but RABBITMQ_HOSTS lists 2 nodes/,
    );
  });
});
