import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { created } from '../support/events.js';
import { bearer, TEST_TOKENS, useServiceUnderTest } from '../support/in-process.js';

const service = useServiceUnderTest('admin');

describe('GET /admin/parked-events', () => {
  it('parks each poison event with its reason while the following events still apply', async () => {
    // Given a stream with something applied already
    await service().publisher.publish([created(randomUUID(), 'earlier')]);
    const before = randomUUID();
    const after = randomUUID();
    const firstOffset = (await service().applied()).lastOffset;
    const good = created(before, 'before');
    const annotationsOf = (type: string, extra: Record<string, string | number> = {}) => ({
      event_id: randomUUID(),
      event_type: type,
      correlation_id: 'c',
      schema_version: 1,
      ...extra,
    });
    // When
    await service().publisher.publish([
      good,
      { body: Buffer.from('this is not JSON'), annotations: annotationsOf('customer.created') },
      { body: Buffer.from('{}'), annotations: annotationsOf('customer.renamed') },
      { body: Buffer.from(JSON.stringify({ customer_id: randomUUID() })), annotations: annotationsOf('customer.address.updated') },
      { body: Buffer.from(JSON.stringify(created(randomUUID(), 'x').data)), annotations: annotationsOf('customer.created', { schema_version: 2 }) },
      { body: Buffer.from(JSON.stringify({ ...created(randomUUID(), 'x').data, address: 'y'.repeat(300_000) })), annotations: annotationsOf('customer.created') },
      { body: Buffer.from([0xff, 0xfe, 0x00]), annotations: { event_type: 'customer.created' } },
      // NUL bytes: PostgreSQL text cannot store them, so parking must not try to.
      { body: Buffer.from([0xff, 0x00, 0x7b]), annotations: annotationsOf('customer.created') },
      { body: Buffer.from(JSON.stringify({ ...created(randomUUID(), 'x').data, address: 'nul\u0000here' })), annotations: annotationsOf('customer.created') },
      created(after, 'after'),
    ]);
    await service().applied();
    // Then
    const page = (await service().operatorGet('/admin/parked-events?limit=500')).json();
    const ours = page.items.filter((item: { stream_offset: string }) => BigInt(item.stream_offset) > firstOffset);
    expect(ours.map((item: { reason: string }) => item.reason)).toEqual([
      'unparseable_body',
      'unknown_type',
      'invalid_body',
      'unsupported_schema_version',
      'invalid_body',
      'missing_metadata',
      'unparseable_body',
      'invalid_body',
    ]);
    expect(ours[0]).toMatchObject({ body: 'this is not JSON', body_encoding: 'utf8', event_type: 'customer.created', body_truncated: false });
    expect(ours[4]).toMatchObject({ body_truncated: true });
    expect(ours[4].body_bytes).toBeGreaterThan(300_000);
    expect(ours[5]).toMatchObject({ body: Buffer.from([0xff, 0xfe, 0x00]).toString('base64'), body_encoding: 'base64', event_id: null });
    expect((await service().operatorGet(`/replica/customers/${after}`)).json().address).toBe('after');
    const metrics = (await service().http.inject('/metrics')).body;
    expect(Number(/customer_events_parked_total (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(8);
  });

  it('pages the parked events by offset and rejects bad parameters', async () => {
    const first = (await service().operatorGet('/admin/parked-events?limit=2')).json();
    expect(first.items).toHaveLength(2);
    expect(first.next).toBe(first.items[1].stream_offset);
    const second = (await service().operatorGet(`/admin/parked-events?limit=2&after=${first.next}`)).json();
    expect(BigInt(second.items[0].stream_offset)).toBeGreaterThan(BigInt(first.next));
    expect((await service().operatorGet('/admin/parked-events?limit=0')).statusCode).toBe(400);
    expect((await service().operatorGet('/admin/parked-events?limit=501')).statusCode).toBe(400);
    expect((await service().operatorGet('/admin/parked-events?after=abc')).json().error).toBe('validation_failed');
  });

  it('is an operator’s only: 401 without a token or with a wrong one, 403 with the reader’s, 200 with the operator’s', async () => {
    const url = '/admin/parked-events?limit=1';
    const missing = await service().http.inject(url);
    expect(missing.statusCode).toBe(401);
    expect(missing.json().error).toBe('unauthorized');
    expect(missing.headers['www-authenticate']).toMatch(/^Bearer realm=/);
    expect((await service().http.inject({ url, headers: bearer('a-wrong-token-0123456789') })).statusCode).toBe(401);
    const forbidden = await service().http.inject({ url, headers: bearer(TEST_TOKENS.reader) });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().error).toBe('forbidden');
    expect((await service().http.inject({ url, headers: bearer(TEST_TOKENS.operator) })).statusCode).toBe(200);
  });
});
