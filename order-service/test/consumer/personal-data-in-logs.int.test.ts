import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { created } from '../support/events.js';
import { capturedLog } from '../support/captured-log.js';
import { useServiceUnderTest } from '../support/in-process.js';

const log = capturedLog();
const service = useServiceUnderTest('personal', {}, log.logger);

describe('personal data in the log', () => {
  it('appears nowhere in the log of applying events, parking poison ones and placing orders, at every level', async () => {
    // Given events whose personal data is easy to find in a log, good ones and poison ones
    const tag = randomUUID().slice(0, 8);
    const person = { name: `Carol Personal ${tag}`, email: `carol.${tag}@example.com`, address: `4 Private Path ${tag}` };
    const good = created(randomUUID(), person.address);
    good.data = { ...good.data, name: person.name, email: person.email } as typeof good.data;
    const annotations = { event_id: randomUUID(), event_type: 'customer.created', correlation_id: 'c', schema_version: 1 };
    const body = JSON.stringify({ ...good.data, customer_id: randomUUID() });
    // When
    await service().publisher.publish([
      good,
      // cut short: the parser's complaint quotes the body
      { body: Buffer.from(body.slice(0, -5)), annotations },
      // the wrong type for a field
      { body: Buffer.from(JSON.stringify({ ...good.data, customer_id: randomUUID(), version: person.name })), annotations: { ...annotations, event_id: randomUUID() } },
    ]);
    await service().applied();
    expect((await service().postOrder(good.data.customer_id)).statusCode).toBe(201);
    expect((await service().postOrder(randomUUID())).statusCode).toBe(400);
    // Then both poison events were logged, with their reasons, and no personal data anywhere
    const parked = log.lines().filter((line) => line.msg === 'poison event parked');
    expect(parked.map((line) => line.reason)).toEqual(['unparseable_body', 'invalid_body']);
    expect(parked[0]).toMatchObject({ detail: '[redacted]' });
    const text = log.text();
    for (const value of Object.values(person)) expect(text, value).not.toContain(value);
  });

  it('shows the bodies of parked events to an operator only', async () => {
    expect((await service().http.inject('/admin/parked-events')).statusCode).toBe(401);
    const page = (await service().operatorGet('/admin/parked-events')).json<{ items: Array<{ body: string }> }>();
    expect(page.items.some((item) => item.body.includes('Carol Personal'))).toBe(true);
  });
});
