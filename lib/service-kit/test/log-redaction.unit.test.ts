import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';

/** A logger as the services make it, writing into `lines`. */
function capturingLogger() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: createLogger({ service: 's', instance: 'i', level: 'trace' }, sink), text: () => lines.join('') };
}

const person = { name: 'Ada Lovelace', email: 'ada@example.com', address: '12 St James Square' };
const personal = Object.values(person);

/** A PostgreSQL check violation as pg raises it: the failing row, values and all, in `detail`. */
function databaseError() {
  return Object.assign(new Error('new row for relation "customers" violates check constraint "c"'), {
    code: '23514',
    detail: `Failing row contains (5f0c, ${person.name}, ${person.email}, ${person.address}, 1).`,
  });
}

describe('log redaction', () => {
  it.each([
    ['a customer', { customer: person }],
    ['an event payload', { event: { data: person } }],
    ['its top-level fields', { ...person }],
    ['a request body', { req: { body: person } }],
    ['a raw body', { body: JSON.stringify(person) }],
    ['a database error', { err: databaseError() }],
    ['a parked event’s detail', { detail: `body is not JSON: Unexpected token, "{"name":"${person.name}"..." is not valid JSON` }],
  ])('removes personal data from %s', (_what, fields) => {
    // Given
    const { logger, text } = capturingLogger();
    // When
    logger.error(fields, 'something happened');
    // Then
    const line = text();
    for (const value of personal) expect(line).not.toContain(value);
    expect(line).toContain('[redacted]');
    expect(line).toContain('something happened');
  });

  it('keeps what is not personal: ids, codes, the error’s message', () => {
    const { logger, text } = capturingLogger();
    logger.error({ customer_id: 'c-1', err: databaseError(), event: { type: 'customer.created', data: { customer_id: 'c-1' } } }, 'failed');
    const line = JSON.parse(text()) as { customer_id: string; err: { code: string; message: string }; event: { type: string; data: { customer_id: string } } };
    expect(line.customer_id).toBe('c-1');
    expect(line.err.code).toBe('23514');
    expect(line.err.message).toContain('violates check constraint');
    expect(line.event).toEqual({ type: 'customer.created', data: { customer_id: 'c-1' } });
  });

  it('removes credentials', () => {
    const { logger, text } = capturingLogger();
    logger.info({ req: { headers: { authorization: 'Bearer secret-token-123' } }, password: 'hunter2', token: 'secret-token-456' }, 'x');
    expect(text()).not.toMatch(/secret-token|hunter2/);
  });
});
