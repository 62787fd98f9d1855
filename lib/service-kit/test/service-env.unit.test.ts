import { describe, expect, it } from 'vitest';
import { loadConfig, serviceEnv } from '../src/config.js';

const Env = serviceEnv({ port: 8080, database: 'customer_db' });

describe('serviceEnv: what every service reads', () => {
  it('listens on loopback unless HOST says otherwise', () => {
    expect(loadConfig(Env, {}).HOST).toBe('127.0.0.1');
    expect(loadConfig(Env, { HOST: '0.0.0.0' }).HOST).toBe('0.0.0.0');
  });
});
