import { until } from '@demo/test-support';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { customerHistories, interleave } from '../support/events.js';
import { useServiceUnderTest } from '../support/in-process.js';
import { comparable, readReplica, storedOffset } from '../support/replica.js';
import { fingerprintOf } from '../../src/domain/stream-integrity.js';
import { foldStream } from '../support/stream.js';

// A PostgreSQL crash loses the applier's last asynchronous commits (synchronous_commit=off): the
// stored offset is then behind what the active instance believes it applied. It must apply again
// from the stored offset, not retry a fenced batch for ever.

const service = useServiceUnderTest('rewind');

describe('a stored offset that moves back (commits lost in a database crash)', () => {
  it('makes the active instance apply again from the stored offset, and the replica ends equal to the stream', async () => {
    // Given 200 customers applied
    await service().publisher.publish(interleave(customerHistories(200)));
    const before = await service().applied();
    // When the stored offset and the replica lose their last commits (as after a crash): the
    // replica goes back to the fold of the stream up to an earlier offset
    const kept = before.messages[Math.floor(before.messages.length / 2)]!.offset;
    const earlier = foldStream({ lastOffset: kept, messages: before.messages.filter((m) => m.offset <= kept) });
    await service().db.transaction().execute(async (trx) => {
      await sql`DELETE FROM customers WHERE NOT (id = ANY(${[...earlier.keys()]}::uuid[]))`.execute(trx);
      for (const [id, row] of earlier) {
        await sql`UPDATE customers SET address = ${row.address}, version = ${row.version}, deleted = ${row.deleted} WHERE id = ${id}::uuid`.execute(trx);
      }
      const atKept = before.messages.find((m) => m.offset === kept)!;
      await sql`UPDATE consumer_offsets SET last_offset = ${kept.toString()}::bigint, last_fingerprint = ${fingerprintOf(atKept.body)}`.execute(trx);
    });
    expect(await readReplica(service().db)).toEqual(comparable(earlier));
    // ... and more events arrive
    await service().publisher.publish(interleave(customerHistories(100)));

    // Then the instance applies again from the stored offset, and the replica is the fold of the stream
    const contents = await service().applied(30_000);
    expect(await storedOffset(service().db, service().stream.name)).toBe(contents.lastOffset);
    await until(async () => JSON.stringify(await readReplica(service().db)) === JSON.stringify(comparable(foldStream(contents))), 10_000, 'replica equal to the fold');
    expect(await readReplica(service().db)).toEqual(comparable(foldStream(contents)));
  });
});
