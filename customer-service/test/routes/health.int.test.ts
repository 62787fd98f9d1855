import { until } from '@demo/test-support';
import { describe, expect, it } from 'vitest';
import { useCustomerApi } from '../support/api.js';

const api = useCustomerApi();

describe('GET /health and GET /ready', () => {
  it('GET /health answers 200 ok, with the relay role', async () => {
    const response = await api.get('/health');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok', relay: expect.stringMatching(/^(active|standby)$/) });
  });

  it('GET /ready answers 200 with both checks up (once the stream connection and the relay publisher are)', async () => {
    // The first connection to a fresh broker may still be declaring the stream: wait for it, bounded.
    await until(async () => (await api.get('/ready')).statusCode === 200, 15_000, 'ready');
    const response = await api.get('/ready');
    expect(response.statusCode).toBe(200);
    // The only relay on this test's database: the active one.
    expect(response.json()).toEqual({ status: 'ready', checks: { database: 'up', stream: 'up' }, relay: 'active' });
    expect(api.app.relay.canPublish).toBe(true);
  });
});
