import { describe, expect, it } from 'vitest';
import { AuthEnv, baseUrl, CommonEnv, ConfigError, loadConfig, SystemEnv, urlList } from '../src/config.js';

describe('SystemEnv: where the running system is, for the tools', () => {
  it('defaults to the system `make dependencies` brings up', () => {
    // When
    const settings = loadConfig(SystemEnv, {});
    // Then
    expect(settings).toEqual({
      CUSTOMER_URL: 'http://127.0.0.1:8080',
      ORDER_URLS: 'http://127.0.0.1:8081,http://127.0.0.1:8082',
      CUSTOMER_DATABASE_URL: 'postgres://app:app@127.0.0.1:5432/customer_db',
      ORDER_DATABASE_URL: 'postgres://app:app@127.0.0.1:5432/order_db',
      STREAM_NAME: 'customer',
      STREAM_PARTITIONS: 1,
      RABBITMQ_HOST: '127.0.0.1',
      RABBITMQ_STREAM_PORT: 5552,
      RABBITMQ_USER: 'guest',
      RABBITMQ_PASSWORD: 'guest',
      RABBITMQ_VHOST: '/',
      RABBITMQ_MANAGEMENT_URL: 'http://127.0.0.1:15672',
      RABBITMQ_TLS: false,
      RABBITMQ_TLS_REJECT_UNAUTHORIZED: true,
    });
  });

  it('reads the services’ tokens with the services’ own rules, unset by default', () => {
    expect(loadConfig(SystemEnv, { OPERATOR_TOKEN: 'operator-token-0123456789' }).OPERATOR_TOKEN).toBe('operator-token-0123456789');
    expect(() => loadConfig(SystemEnv, { READER_TOKEN: 'short' })).toThrow(ConfigError);
    for (const key of ['OPERATOR_TOKEN', 'READER_TOKEN', 'METRICS_TOKEN'] as const) expect(SystemEnv[key]).toBe(AuthEnv[key]);
  });

  it('reads the broker settings with the services’ own defaults and rules', () => {
    for (const key of Object.keys(SystemEnv).filter((name) => name.startsWith('RABBITMQ_') || name === 'STREAM_NAME')) {
      expect(SystemEnv[key as keyof typeof SystemEnv], key).toBe(CommonEnv[key as keyof typeof CommonEnv]);
    }
  });

  it('takes any number of order-service instances', () => {
    const settings = loadConfig(SystemEnv, { ORDER_URLS: ' http://a:1/ , https://b:2,http://c:3' });
    expect(urlList(settings.ORDER_URLS)).toEqual(['http://a:1', 'https://b:2', 'http://c:3']);
    expect(urlList(loadConfig(SystemEnv, { ORDER_URLS: 'http://only:8081' }).ORDER_URLS)).toEqual(['http://only:8081']);
  });

  it.each([
    ['ORDER_URLS', 'http://127.0.0.1:8081,127.0.0.1:8082'],
    ['ORDER_URLS', 'http://127.0.0.1:8081,'],
    ['ORDER_URLS', ''],
    ['CUSTOMER_URL', '127.0.0.1:8080'],
    ['CUSTOMER_DATABASE_URL', 'mysql://app@db/customer_db'],
    ['RABBITMQ_STREAM_PORT', '70000'],
    ['RABBITMQ_STREAM_PORT', 'five'],
    ['RABBITMQ_MANAGEMENT_URL', '127.0.0.1:15672'],
    ['STREAM_NAME', ''],
  ])('refuses %s=%j in one line naming the variable', (name, value) => {
    // When
    const load = () => loadConfig(SystemEnv, { [name]: value });
    // Then
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(new RegExp(`^invalid configuration: ${name} `));
    try {
      load();
    } catch (error) {
      expect((error as Error).message).not.toContain('\n');
    }
  });

  it('strips the trailing slash of a base URL', () => {
    expect(baseUrl('http://127.0.0.1:8080/')).toBe('http://127.0.0.1:8080');
    expect(baseUrl(' http://127.0.0.1:8080 ')).toBe('http://127.0.0.1:8080');
  });
});
