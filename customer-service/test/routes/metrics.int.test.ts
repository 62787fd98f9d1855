import { describe, expect, it } from 'vitest';
import { useCustomerApi } from '../support/api.js';

const api = useCustomerApi();

describe('GET /metrics', () => {
  it('shows every documented metric, and the counters move', async () => {
    // Given
    const metric = async (name: string) => {
      const text = (await api.get('/metrics')).body;
      const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
      return line ? Number(line.split(' ').at(-1)) : Number.NaN;
    };
    const created = await metric('customers_created_total');
    const updated = await metric('customers_updated_total');
    const deleted = await metric('customers_deleted_total');
    // When
    const customer = await api.create();
    await api.put(`/customers/${customer.customer_id}/address`, { address: 'Y' });
    await api.delete(`/customers/${customer.customer_id}`);
    // Then
    expect(await metric('customers_created_total')).toBe(created + 1);
    expect(await metric('customers_updated_total')).toBe(updated + 1);
    expect(await metric('customers_deleted_total')).toBe(deleted + 1);
    const text = (await api.get('/metrics')).body;
    for (const name of [
      'events_published_total',
      'event_publish_errors_total',
      'outbox_pending',
      'outbox_publish_lag_seconds_bucket',
      'method="POST",route="/customers",status_code="201"',
      'process_resident_memory_bytes',
    ]) {
      expect(text).toContain(name);
    }
  });
});
