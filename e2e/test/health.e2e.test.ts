import { describe, expect, it } from 'vitest';
import { CUSTOMER_URL, ORDER_URLS } from './support/config.js';

describe('the running system', () => {
  it.each([CUSTOMER_URL, ...ORDER_URLS])('%s answers /health with 200', async (base) => {
    const response = await fetch(`${base}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok' });
  });
});
