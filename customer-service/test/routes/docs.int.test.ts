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

  it('shows which routes need a token: the customer list a reader’s, the others none', async () => {
    const doc = (await api.get('/docs/json')).json();
    expect(doc.components.securitySchemes.readerToken).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/customers'].get.security).toEqual([{ readerToken: [] }]);
    expect(doc.paths['/customers'].post.security).toBeUndefined();
    expect(doc.paths['/customers/{id}'].get.security).toBeUndefined();
  });
});
