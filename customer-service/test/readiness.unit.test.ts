import type { StreamConnection } from '@demo/stream';
import type { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Relay } from '../src/outbox/relay.js';
import { readiness } from '../src/readiness.js';

function streamCheck(connected: boolean, relay: Pick<Relay, 'role' | 'canPublish'>) {
  const options = readiness({
    db: {} as Kysely<unknown>, // the database check is not called here
    connection: { isConnected: connected } as StreamConnection,
    relay: relay as Relay,
  });
  return { stream: options.checks.stream!(), details: options.details() };
}

describe('readiness: the stream check', () => {
  it('is up on a connected standby instance (its relay publishes nothing)', () => {
    // Given / When / Then
    expect(streamCheck(true, { role: 'standby', canPublish: false })).toEqual({ stream: 'up', details: { relay: 'standby' } });
  });

  it('is up on the active instance once its relay can publish', () => {
    expect(streamCheck(true, { role: 'active', canPublish: true })).toEqual({ stream: 'up', details: { relay: 'active' } });
  });

  it('is down on the active instance while its relay cannot publish, though the connection is up', () => {
    expect(streamCheck(true, { role: 'active', canPublish: false })).toEqual({ stream: 'down', details: { relay: 'active' } });
  });

  it('is down whenever the connection is not', () => {
    expect(streamCheck(false, { role: 'standby', canPublish: false }).stream).toBe('down');
    expect(streamCheck(false, { role: 'active', canPublish: true }).stream).toBe('down');
  });
});
