import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('load-test configuration', () => {
  it('defaults to the system of make dependencies and a 100k run', () => {
    // When
    const config = loadConfig({});
    // Then
    expect(config).toMatchObject({
      n: 100_000,
      concurrency: 64,
      unknownShare: 0.1,
      updateShare: 0.2,
      orders: 20_000,
      baselines: true,
      idempotencyKeys: true,
      rebuild: 'auto',
      customerUrl: 'http://127.0.0.1:8080',
      orderUrls: ['http://127.0.0.1:8081', 'http://127.0.0.1:8082'],
      customerDatabaseUrl: 'postgres://app:app@127.0.0.1:5432/customer_db',
      orderDatabaseUrl: 'postgres://app:app@127.0.0.1:5432/order_db',
      rabbit: { host: '127.0.0.1', port: 5552, user: 'guest', password: 'guest', vhost: '/' },
      streamName: 'customer',
    });
    expect(config.resultsDir).toBe(path.join(config.repoRoot, 'results'));
    expect(config.runDir).toBe(path.join(config.repoRoot, '.run'));
  });

  it('reads the knobs and the shared system variables', () => {
    // When
    const config = loadConfig({
      N: '5000',
      CONCURRENCY: '8',
      BASELINES: 'no',
      REBUILD: 'on',
      ORDER_URLS: 'http://10.0.0.1:9001/,http://10.0.0.2:9002',
      STREAM_NAME: 'customer-copy',
      RABBITMQ_VHOST: 'demo',
      RUN_ID: 'fixed',
    });
    // Then
    expect(config).toMatchObject({ n: 5_000, concurrency: 8, orders: 1_000, baselines: false, rebuild: 'on', streamName: 'customer-copy', runId: 'fixed' });
    expect(config.orderUrls).toEqual(['http://10.0.0.1:9001', 'http://10.0.0.2:9002']);
    expect(config.rabbit.vhost).toBe('demo');
  });

  it('reaches a cluster through the first node of RABBITMQ_HOSTS, as the services do', () => {
    // When
    const config = loadConfig({ RABBITMQ_HOSTS: '127.0.0.1:5752,127.0.0.1:5753,127.0.0.1:5754', RABBITMQ_STREAM_PORT: '5552' });
    // Then
    expect(config.rabbit).toMatchObject({ host: '127.0.0.1', port: 5752 });
  });

  it.each([
    ['N', '0'],
    ['CONCURRENCY', '2000'],
    ['UNKNOWN_SHARE', '1.5'],
    ['REBUILD', 'sometimes'],
    ['BASELINES', 'maybe'],
    ['ORDER_URLS', 'localhost:8081'],
    ['RABBITMQ_STREAM_PORT', '0'],
    ['RABBITMQ_HOSTS', 'a:1,,b'],
  ])('refuses %s=%s naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^invalid configuration: ${name} `));
  });
});
