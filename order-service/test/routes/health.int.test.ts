import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { created } from '../support/events.js';
import { startInProcess, useServiceUnderTest } from '../support/in-process.js';

const service = useServiceUnderTest('health');

describe('GET /health and /ready', () => {
  it('say which role this instance has and its applied offset', async () => {
    // Given
    await service().publisher.publish([created(randomUUID(), '1 Health St')]);
    const { lastOffset } = await service().applied();
    // When
    const health = (await service().http.inject('/health')).json();
    const ready = await service().http.inject('/ready');
    // Then
    expect(health).toEqual({ status: 'ok', role: 'active', applied_offset: lastOffset.toString() });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready', role: 'active', checks: { database: 'up', stream: 'up' } });
  });

  it('is not ready (503) when the stream cannot be reached', async () => {
    // Given an instance pointed at a port where no broker listens
    const lonely = await startInProcess({ DATABASE_URL: service().database.url, STREAM_NAME: service().stream.name, RABBITMQ_STREAM_PORT: '1' });
    try {
      // When
      const ready = await lonely.http.inject('/ready');
      // Then
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({ error: 'not_ready', role: 'standby', checks: { database: 'up', stream: 'down' } });
      expect((await lonely.http.inject('/health')).statusCode).toBe(200);
    } finally {
      await lonely.close();
    }
  });
});
