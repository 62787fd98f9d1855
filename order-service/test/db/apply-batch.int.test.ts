import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { migrateToLatest } from '@demo/service-kit';
import type { Kysely } from 'kysely';
import { createTestDatabase, type TestDatabase } from '@demo/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advancePosition } from '../../src/db/apply-batch.js';
import { loadPosition } from '../../src/db/position.js';
import { migrations } from '../../src/db/migrations/index.js';
import type { Database } from '../../src/db/schema.js';
import type { ReplicaRow } from '../../src/domain/replica-fold.js';
import { kyselyFor } from '../support/replica.js';

/**
 * The fence on its own, against real PostgreSQL: the statement that moves the stored offset also
 * writes the batch's rows, and a caller whose expectation is stale (another instance moved the
 * offset, or a rebuild changed the generation) writes nothing at all.
 */
let database: TestDatabase;
let db: Kysely<Database>;
const key = { consumerName: 'fence-test', stream: 'fence-stream' };

function row(id: string, version: number, address: string, offset: bigint): ReplicaRow {
  return { id, address, version, deleted: false, updatedAt: new Date().toISOString(), lastEventOffset: offset };
}

beforeAll(async () => {
  database = await createTestDatabase('order_fence');
  db = kyselyFor(database.url);
  await migrateToLatest(db as Kysely<unknown>, migrations, pino({ level: 'silent' }));
});

afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

describe('advancePosition (the fence)', () => {
  it('moves the offset and writes the rows when the expectation holds, and nothing when it is stale', async () => {
    const start = await loadPosition(db, key);
    expect(start.lastOffset).toBeNull();
    const a = randomUUID();
    const b = randomUUID();

    expect(await advancePosition(db, key, start, 9n, [row(a, 1, 'first', 9n)], 'f9')).toBe(true);
    expect(await loadPosition(db, key)).toEqual({ lastOffset: 9n, generation: start.generation, lastFingerprint: 'f9', bootstrapping: false, bootstrappedFrom: null });

    // A stale instance still believes nothing was applied: its batch must not land.
    expect(await advancePosition(db, key, start, 12n, [row(a, 2, 'stale', 12n), row(b, 1, 'stale', 11n)], 'f12')).toBe(false);
    expect(await loadPosition(db, key)).toEqual({ lastOffset: 9n, generation: start.generation, lastFingerprint: 'f9', bootstrapping: false, bootstrappedFrom: null });
    const rows = await db.selectFrom('customers').select(['id', 'address', 'version']).orderBy('id').execute();
    expect(rows).toEqual([{ id: a, address: 'first', version: 1 }]);

    // A wrong generation (a rebuild happened) is stale too, even with the right offset.
    expect(await advancePosition(db, key, { lastOffset: 9n, generation: start.generation + 1 }, 12n, [row(b, 1, 'x', 12n)])).toBe(false);
    expect(await db.selectFrom('customers').select('id').where('id', '=', b).executeTakeFirst()).toBeUndefined();

    // The holder of the current position goes on; an empty fold still moves the offset.
    expect(await advancePosition(db, key, { lastOffset: 9n, generation: start.generation }, 10n, [])).toBe(true);
    expect((await loadPosition(db, key)).lastOffset).toBe(10n);
  });

  it('lets exactly one of two concurrent appliers with the same expectation win', async () => {
    const from = await loadPosition(db, key);
    const id = randomUUID();
    const outcomes = await Promise.all([
      advancePosition(db, key, from, from.lastOffset! + 5n, [row(id, 1, 'one', from.lastOffset! + 5n)]),
      advancePosition(db, key, from, from.lastOffset! + 7n, [row(id, 1, 'two', from.lastOffset! + 7n)]),
    ]);
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    const stored = (await loadPosition(db, key)).lastOffset;
    const written = await db.selectFrom('customers').select(['address', 'last_event_offset']).where('id', '=', id).executeTakeFirstOrThrow();
    // The rows are those of the winner, whose offset is the stored one.
    expect(BigInt(written.last_event_offset)).toBe(stored);
  });
});
