import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { created } from '../support/events.js';
import { useServiceUnderTest } from '../support/in-process.js';

const service = useServiceUnderTest('metrics');

describe('GET /metrics', () => {
  it("shows the consumer's role, the applied events and batches, and the HTTP requests", async () => {
    // Given an applied event and an order placed
    const id = randomUUID();
    await service().publisher.publish([created(id, '1 Metrics St')]);
    await service().applied();
    expect((await service().postOrder(id)).statusCode).toBe(201);
    // When
    const metrics = (await service().http.inject('/metrics')).body;
    // Then
    expect(metrics).toMatch(new RegExp(`^stream_consumer_active\\{partition="${service().stream.name}"\\} 1$`, 'm'));
    expect(metrics).toMatch(/customers_processed_total\{event_type="customer.created"\} \d+/);
    expect(metrics).toMatch(/replication_lag_seconds_count [1-9]/);
    expect(metrics).toMatch(/apply_batch_size_count [1-9]/);
    expect(metrics).toMatch(/apply_batch_duration_seconds_count [1-9]/);
    expect(metrics).toMatch(/http_request_duration_seconds_count\{method="POST",route="\/orders",status_code="201"\}/);
  });
});
