import { describe, expect, it } from 'vitest';
import { useCustomerApi } from '../support/api.js';

const api = useCustomerApi();

describe('GET /docs', () => {
  it('/docs/json is the OpenAPI document of every route', async () => {
    const response = await api.get('/docs/json');
    expect(response.statusCode).toBe(200);
    const paths = Object.keys(response.json().paths);
    expect(paths).toEqual(
      expect.arrayContaining(['/customers', '/customers/{id}', '/customers/{id}/address', '/health', '/ready']),
    );
    expect((await api.get('/docs')).statusCode).toBeLessThan(400);
  });
});
