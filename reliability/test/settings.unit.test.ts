import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings, serviceNames } from '../src/settings.js';

describe('reliability settings', () => {
  it('default to the system of make dependencies', () => {
    // When
    const settings = loadSettings({ HOME: '/home/dev' });
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
    });
    expect(serviceNames(settings)).toEqual(['customer', 'order-1', 'order-2']);
  });

  it('take the order instances from ORDER_URLS, as e2e and the load test do', () => {
    // When
    const settings = loadSettings({ ORDER_URLS: 'http://h:9001,http://h:9002/,http://h:9003', RABBITMQ_ROOT_CACHE: '/cache' });
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
    expect(() => loadSettings({ [name]: value })).toThrow(message);
  });
});
