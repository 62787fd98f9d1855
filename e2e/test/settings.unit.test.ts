import { describe, expect, it } from 'vitest';
import { readE2eSettings } from './support/settings.js';

describe('e2e settings', () => {
  it('default to the system of make dependencies', () => {
    expect(readE2eSettings({})).toEqual({
      customerUrl: 'http://127.0.0.1:8080',
      orderInstances: [
        { name: 'order-1', url: 'http://127.0.0.1:8081' },
        { name: 'order-2', url: 'http://127.0.0.1:8082' },
      ],
      customerDatabaseUrl: 'postgres://app:app@127.0.0.1:5432/customer_db',
      orderDatabaseUrl: 'postgres://app:app@127.0.0.1:5432/order_db',
      broker: { host: '127.0.0.1', port: 5552, user: 'guest', password: 'guest', vhost: '/' },
      streamName: 'customer',
      sharedSystem: false,
      prometheusUrl: 'http://127.0.0.1:9090',
      tokens: { operator: undefined, reader: undefined },
    });
  });

  it('name the instances after their place in ORDER_URLS and read STREAM_NAME and E2E_SHARED', () => {
    // When
    const settings = readE2eSettings({ ORDER_URLS: 'http://h:9001/,http://h:9002,http://h:9003', STREAM_NAME: 'other', E2E_SHARED: '1' });
    // Then
    expect(settings.orderInstances.map((instance) => `${instance.name}=${instance.url}`)).toEqual([
      'order-1=http://h:9001',
      'order-2=http://h:9002',
      'order-3=http://h:9003',
    ]);
    expect(settings.streamName).toBe('other');
    expect(settings.sharedSystem).toBe(true);
  });

  it.each([
    ['ORDER_URLS', 'http://127.0.0.1:8081', /ORDER_URLS lists 1 order-service instance; the suite needs two/],
    ['ORDER_URLS', '127.0.0.1:8081,127.0.0.1:8082', /^invalid configuration: ORDER_URLS /],
    ['RABBITMQ_STREAM_PORT', 'x', /^invalid configuration: RABBITMQ_STREAM_PORT /],
    ['E2E_SHARED', 'yes', /^invalid configuration: E2E_SHARED /],
  ])('refuse %s=%s naming the variable', (name, value, message) => {
    expect(() => readE2eSettings({ [name]: value })).toThrow(message);
  });
});
