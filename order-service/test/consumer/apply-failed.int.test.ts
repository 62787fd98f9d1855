import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { created } from '../support/events.js';
import { useServiceUnderTest } from '../support/in-process.js';

const service = useServiceUnderTest('refused');

describe('an event the database refuses', () => {
  it('primes the stream', async () => {
    await service().publisher.publish([created(randomUUID(), 'first')]);
    expect((await service().applied(20_000)).lastOffset).toBeGreaterThanOrEqual(0n);
  });

  it('parks a valid event the database keeps refusing (apply_failed) and applies the rest of its batch', async () => {
    // Given a replica that refuses one address (a stand-in for any deterministic database error)
    await sql`ALTER TABLE customers ADD CONSTRAINT test_refuse CHECK (address <> 'refuse-me')`.execute(service().db);
    const before = randomUUID();
    const refused = randomUUID();
    const after = randomUUID();
    const firstOffset = (await service().applied(20_000)).lastOffset;
    try {
      // When one batch carries it between two good events
      await service().publisher.publish([created(before, 'before'), created(refused, 'refuse-me'), created(after, 'after')]);
      await service().applied(20_000);
      // Then it is parked with the database's reason, and its neighbours are in the replica
      const page = (await service().operatorGet('/admin/parked-events?limit=500')).json();
      const ours = page.items.filter((item: { stream_offset: string }) => BigInt(item.stream_offset) > firstOffset);
      expect(ours).toHaveLength(1);
      expect(ours[0]).toMatchObject({ reason: 'apply_failed', event_type: 'customer.created' });
      expect(ours[0].detail).toMatch(/test_refuse/);
      expect((await service().operatorGet(`/replica/customers/${before}`)).json().address).toBe('before');
      expect((await service().operatorGet(`/replica/customers/${after}`)).json().address).toBe('after');
      expect((await service().operatorGet(`/replica/customers/${refused}`)).statusCode).toBe(404);
    } finally {
      await sql`ALTER TABLE customers DROP CONSTRAINT test_refuse`.execute(service().db);
    }
  });
});
