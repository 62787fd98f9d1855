import { bearer, TEST_TOKENS } from '@demo/test-support';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { insertParkedEvents } from '../../src/db/parked-events.js';
import { addressUpdated, created } from '../support/events.js';
import { useServiceUnderTest } from '../support/in-process.js';
import { storedOffset } from '../support/replica.js';
import type { RawMessage } from '../support/stream.js';

const service = useServiceUnderTest('parked_actions');

type Outcome = { stream_offset: string; action: string; result: string; operator: string; reason: string | null; detail: string | null; acted_at: string };
type Item = { stream: string; stream_offset: string; reason: string; status: string; resolved_by: string | null; resolved_at: string | null; actions: Outcome[] };
type Bulk = { items: Outcome[]; counts: Record<string, number>; next: string | null };

/** The replica refuses this address while the constraint is on: a stand-in for any database error that an operator can fix. */
const REFUSED = 'refuse-me';
async function refuse(on: boolean) {
  const db = service().db;
  if (on) await sql`ALTER TABLE customers ADD CONSTRAINT test_refuse CHECK (address <> ${sql.lit(REFUSED)}) NOT VALID`.execute(db);
  else await sql`ALTER TABLE customers DROP CONSTRAINT IF EXISTS test_refuse`.execute(db);
}
afterEach(() => refuse(false));

function unknownType(): RawMessage {
  return {
    body: Buffer.from('{}'),
    annotations: { event_id: randomUUID(), event_type: 'customer.renamed', correlation_id: 'c', schema_version: 1 },
  };
}

/** Publishes, waits until applied (poison parked), and returns the offsets of what was published, in order. */
async function publishAndApply(items: Parameters<ReturnType<typeof service>['publisher']['publish']>[0]): Promise<string[]> {
  await service().publisher.publish(items);
  const contents = await service().applied(30_000);
  return contents.messages.slice(-items.length).map((message) => message.offset.toString());
}

async function post(url: string, operator?: string) {
  return service().http.inject({ method: 'POST', url, headers: { ...bearer(TEST_TOKENS.operator), ...(operator === undefined ? {} : { 'x-operator': operator }) } });
}

async function listed(query = ''): Promise<Item[]> {
  return (await service().http.inject({ url: `/admin/parked-events?limit=500${query}`, headers: bearer(TEST_TOKENS.operator) })).json().items;
}

async function itemAt(offset: string, query = '&include=resolved'): Promise<Item | undefined> {
  return (await listed(query)).find((item) => item.stream_offset === offset);
}

async function auditOf(offset: string) {
  return service()
    .db.selectFrom('parked_event_actions')
    .selectAll()
    .where('stream_offset', '=', offset)
    .orderBy('id')
    .execute();
}

async function replicaAddress(customerId: string): Promise<string | undefined> {
  const response = await service().http.inject({ url: `/replica/customers/${customerId}`, headers: bearer(TEST_TOKENS.operator) });
  return response.statusCode === 200 ? response.json().address : undefined;
}

describe('POST /admin/parked-events/:offset/retry', () => {
  it('re-applies an event once its cause is fixed, and until then keeps it parked with the new failure recorded', async () => {
    // Given an event the database refused
    await refuse(true);
    const customer = randomUUID();
    const [offset] = await publishAndApply([created(customer, REFUSED)]);
    expect(await itemAt(offset!, '')).toMatchObject({ reason: 'apply_failed', status: 'parked' });
    const stored = await storedOffset(service().db, service().stream.name);

    // When an operator retries it while the cause is still there
    const failed = await post(`/admin/parked-events/${offset}/retry`, 'alice');
    // Then it stays parked, with the new failure recorded
    expect(failed.statusCode).toBe(200);
    expect(failed.json()).toMatchObject({ stream_offset: offset, action: 'retry', result: 'failed', operator: 'alice', reason: 'apply_failed' });
    expect(failed.json().detail).toMatch(/test_refuse/);
    expect(await itemAt(offset!, '')).toMatchObject({ status: 'parked', actions: [{ result: 'failed', operator: 'alice' }] });
    expect(await replicaAddress(customer)).toBeUndefined();

    // When the cause is fixed and it is retried again
    await refuse(false);
    const applied = await post(`/admin/parked-events/${offset}/retry`, 'bob');
    // Then it is in the replica, off the active list, and both attempts are on record
    expect(applied.json()).toMatchObject({ result: 'applied', operator: 'bob', reason: null, detail: null });
    expect(await replicaAddress(customer)).toBe(REFUSED);
    expect(await itemAt(offset!, '')).toBeUndefined();
    const item = (await itemAt(offset!))!;
    expect(item).toMatchObject({ status: 'retried', resolved_by: 'bob' });
    expect(item.actions.map((action) => [action.result, action.operator])).toEqual([
      ['failed', 'alice'],
      ['applied', 'bob'],
    ]);
    expect(Date.parse(item.resolved_at!)).toBeGreaterThan(0);
    const audit = await auditOf(offset!);
    expect(audit.map((row) => [row.action, row.result, row.operator])).toEqual([
      ['retry', 'failed', 'alice'],
      ['retry', 'applied', 'bob'],
    ]);
    // And the stream offset did not move
    expect(await storedOffset(service().db, service().stream.name)).toBe(stored);
  });

  it('is idempotent: an event older than the replica version changes nothing (superseded)', async () => {
    // Given a parked create, and a later update of the same customer that applied
    await refuse(true);
    const customer = randomUUID();
    const [offset] = await publishAndApply([created(customer, REFUSED)]);
    await refuse(false);
    await publishAndApply([addressUpdated(customer, 'newer', 2)]);
    expect(await replicaAddress(customer)).toBe('newer');

    // When the parked create is retried
    const response = await post(`/admin/parked-events/${offset}/retry`);

    // Then nothing changes in the replica, it is resolved, and the operator is 'unknown' without X-Operator
    expect(response.json()).toMatchObject({ result: 'superseded', operator: 'unknown' });
    const row = await service().db.selectFrom('customers').selectAll().where('id', '=', customer).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ address: 'newer', version: 2 });
    expect(await itemAt(offset!)).toMatchObject({ status: 'retried', resolved_by: 'unknown' });
  });

  it('keeps an event of an unknown type parked, and one whose body was cut when parked', async () => {
    const [unknown, huge] = await publishAndApply([
      unknownType(),
      { body: Buffer.from(JSON.stringify({ ...created(randomUUID(), 'x').data, address: 'y'.repeat(70_000) })), annotations: { event_id: randomUUID(), event_type: 'customer.created', schema_version: 1 } },
    ]);
    expect((await post(`/admin/parked-events/${unknown}/retry`, 'carol')).json()).toMatchObject({ result: 'failed', reason: 'unknown_type' });
    expect((await post(`/admin/parked-events/${huge}/retry`, 'carol')).json()).toMatchObject({ result: 'failed', reason: 'body_truncated' });
    expect(await itemAt(unknown!, '')).toMatchObject({ status: 'parked', reason: 'unknown_type', actions: [{ result: 'failed', reason: 'unknown_type' }] });
    expect(await itemAt(huge!, '')).toMatchObject({ status: 'parked' });
  });

  it('two operators retrying the same event at once apply it once', async () => {
    await refuse(true);
    const customer = randomUUID();
    const [offset] = await publishAndApply([created(customer, REFUSED)]);
    await refuse(false);

    const responses = await Promise.all([post(`/admin/parked-events/${offset}/retry`, 'dave'), post(`/admin/parked-events/${offset}/retry`, 'erin')]);

    expect(responses.map((response) => response.statusCode).sort()).toEqual([200, 409]);
    const loser = responses.find((response) => response.statusCode === 409)!;
    expect(loser.json().error).toBe('already_resolved');
    expect((await auditOf(offset!)).map((row) => row.result)).toEqual(['applied']);
  });

  it('waits for an operator who holds the event, then finds it resolved', async () => {
    // Given another operator's transaction holding the parked event's row
    const [offset] = await publishAndApply([unknownType()]);
    let retry: ReturnType<typeof post> | undefined;
    let settled = false;
    await service()
      .db.transaction()
      .execute(async (trx) => {
        await trx.selectFrom('parked_events').select('id').where('stream_offset', '=', offset!).forUpdate().execute();
        // When a retry comes in meanwhile
        retry = post(`/admin/parked-events/${offset}/retry`, 'frank');
        void retry.then(() => (settled = true));
        await new Promise((resolve) => setTimeout(resolve, 500));
        // Then it waits for the row
        expect(settled).toBe(false);
        await trx
          .updateTable('parked_events')
          .set({ resolution: 'discarded', resolved_at: new Date(), resolved_by: 'other' })
          .where('stream_offset', '=', offset!)
          .execute();
      });
    // And once the other operator committed, it is told the event is resolved, and records nothing
    const response = await retry!;
    expect(response.statusCode).toBe(409);
    expect(response.json().message).toMatch(/already discarded by other/);
    expect(await auditOf(offset!)).toEqual([]);
  });

  it('is documented, with the X-Operator header, in the OpenAPI document', async () => {
    const document = (await service().http.inject('/docs/json')).json();
    for (const route of ['/admin/parked-events/{offset}/retry', '/admin/parked-events/{offset}/discard', '/admin/parked-events/retry-all', '/admin/parked-events/discard-all']) {
      expect(document.paths[route]?.post?.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ in: 'header', name: 'x-operator' })]));
    }
  });

  it('answers 404 for an offset with nothing parked, 400 for a bad offset or operator', async () => {
    expect((await post('/admin/parked-events/999999999/retry')).statusCode).toBe(404);
    expect((await post('/admin/parked-events/999999999/discard')).json().error).toBe('not_found');
    expect((await post('/admin/parked-events/abc/retry')).statusCode).toBe(400);
    expect((await post('/admin/parked-events/1/retry', 'x'.repeat(201))).statusCode).toBe(400);
  });
});

describe('POST /admin/parked-events/:offset/discard', () => {
  it('takes the event off the active list and records who did it', async () => {
    const [offset] = await publishAndApply([unknownType()]);

    const response = await post(`/admin/parked-events/${offset}/discard`, 'grace');

    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ stream_offset: offset, action: 'discard', result: 'discarded', operator: 'grace' });
    expect(await itemAt(offset!, '')).toBeUndefined();
    expect(await itemAt(offset!)).toMatchObject({ status: 'discarded', resolved_by: 'grace', actions: [{ action: 'discard', result: 'discarded' }] });
    expect((await auditOf(offset!)).map((row) => [row.action, row.result, row.operator])).toEqual([['discard', 'discarded', 'grace']]);
    // A resolved event is not acted on again
    const again = await post(`/admin/parked-events/${offset}/retry`, 'grace');
    expect(again.statusCode).toBe(409);
    expect((await post(`/admin/parked-events/${offset}/discard`)).json().error).toBe('already_resolved');
  });
});

describe('parked events of a super stream', () => {
  it('keeps the same offset of two partitions apart, and ?stream= names which one an action is for', async () => {
    // Given an event parked from the stream, and another at the same offset of another partition
    const [offset] = await publishAndApply([unknownType()]);
    const other = `${service().stream.name}-other-partition`;
    await service().db.transaction().execute((trx) =>
      insertParkedEvents(trx, other, [
        { offset: BigInt(offset!), eventId: randomUUID(), eventType: 'customer.renamed', reason: 'unknown_event_type', detail: 'test', body: Buffer.from('{}'), annotations: {} },
      ]),
    );
    const both = (await listed()).filter((item) => item.stream_offset === offset);
    expect(both.map((item) => item.stream).sort()).toEqual([service().stream.name, other].sort());
    // A page of one ends after that offset's events of both partitions: paging by offset skips neither
    const page = (await service().http.inject({ url: `/admin/parked-events?limit=1&after=${BigInt(offset!) - 1n}`, headers: bearer(TEST_TOKENS.operator) })).json();
    expect(page.items.map((item: Item) => [item.stream, item.stream_offset]).sort()).toEqual([[service().stream.name, offset], [other, offset]].sort());
    expect(page.next).toBe(offset);

    // When an operator discards the other partition's event
    const response = await post(`/admin/parked-events/${offset}/discard?stream=${other}`, 'ada');

    // Then only that one leaves the active list
    expect(response.statusCode).toBe(200);
    expect((await listed()).filter((item) => item.stream_offset === offset).map((item) => item.stream)).toEqual([service().stream.name]);
    expect((await post(`/admin/parked-events/${offset}/discard?stream=${other}`)).statusCode).toBe(409);
    expect((await post(`/admin/parked-events/${offset}/discard?stream=no-such-partition`)).statusCode).toBe(404);
  });
});

describe('POST /admin/parked-events/retry-all and discard-all', () => {
  it('retry every active event of a reason, page by page, and discard the rest', async () => {
    // Given, after everything earlier, two events the database refused and three of an unknown type
    const before = (await service().applied()).lastOffset.toString();
    await refuse(true);
    const customers = [randomUUID(), randomUUID()];
    const offsets = await publishAndApply([created(customers[0]!, REFUSED), unknownType(), unknownType(), created(customers[1]!, REFUSED), unknownType()]);
    await refuse(false);
    const refused = [offsets[0], offsets[3]];
    const unknown = [offsets[1], offsets[2], offsets[4]];

    // When the refused ones are retried, one per request
    const first: Bulk = (await post(`/admin/parked-events/retry-all?reason=apply_failed&after=${before}&limit=1`, 'heidi')).json();
    expect(first.items.map((item) => [item.stream_offset, item.result])).toEqual([[refused[0], 'applied']]);
    expect(first.next).toBe(refused[0]);
    const second: Bulk = (await post(`/admin/parked-events/retry-all?reason=apply_failed&after=${first.next}&limit=1`, 'heidi')).json();
    expect(second.items.map((item) => [item.stream_offset, item.result])).toEqual([[refused[1], 'applied']]);
    expect(second.next).toBeNull();
    expect(await replicaAddress(customers[0]!)).toBe(REFUSED);
    expect(await replicaAddress(customers[1]!)).toBe(REFUSED);

    // And every remaining one after `before` is retried: the unknown types still fail and stay parked
    const rest: Bulk = (await post(`/admin/parked-events/retry-all?after=${before}`, 'heidi')).json();
    expect(rest.items.map((item) => item.stream_offset)).toEqual(unknown);
    expect(rest.counts).toEqual({ applied: 0, superseded: 0, failed: 3, discarded: 0, skipped: 0 });
    expect((await listed(`&after=${before}`)).map((item) => item.stream_offset)).toEqual(unknown);

    // When they are discarded
    const discarded: Bulk = (await post(`/admin/parked-events/discard-all?reason=unknown_type&after=${before}`, 'ivan')).json();

    // Then nothing after `before` is active, and each event's history is on record
    expect(discarded.items.map((item) => [item.stream_offset, item.result, item.operator])).toEqual(unknown.map((offset) => [offset, 'discarded', 'ivan']));
    expect(discarded.counts).toMatchObject({ discarded: 3, skipped: 0 });
    expect(discarded.next).toBeNull();
    expect(await listed(`&after=${before}`)).toEqual([]);
    const history = await listed(`&after=${before}&include=resolved`);
    expect(history.map((item) => [item.stream_offset, item.status])).toEqual(offsets.map((offset) => [offset, refused.includes(offset) ? 'retried' : 'discarded']));
    expect(history[1]!.actions.map((action) => [action.action, action.result])).toEqual([
      ['retry', 'failed'],
      ['discard', 'discarded'],
    ]);
    expect((await listed(`&after=${before}&include=resolved&reason=apply_failed`)).map((item) => item.stream_offset)).toEqual(refused);

    // And a bulk action with nothing to do says so
    expect((await post(`/admin/parked-events/discard-all?after=${before}`)).json()).toEqual({
      items: [],
      counts: { applied: 0, superseded: 0, failed: 0, discarded: 0, skipped: 0 },
      next: null,
    });
    expect((await post('/admin/parked-events/retry-all?limit=0')).statusCode).toBe(400);
  });
});
