import type { FastifyError } from 'fastify';
import { describe, expect, it } from 'vitest';
import { classify, HttpError } from '../src/index.js';

function fastifyError(fields: Partial<FastifyError> & { message?: string }): FastifyError {
  return Object.assign(new Error(fields.message ?? 'boom'), fields) as FastifyError;
}

describe('error classification', () => {
  it('keeps a deliberate HttpError as it is', () => {
    expect(classify(new HttpError(409, 'email_taken', 'taken') as unknown as FastifyError)).toEqual([
      409,
      { error: 'email_taken', message: 'taken' },
    ]);
  });

  it('answers a validation failure with 400 validation_failed and its message', () => {
    const [status, body] = classify(fastifyError({ validation: [], message: 'body/email must match format "email"' }));
    expect(status).toBe(400);
    expect(body).toEqual({ error: 'validation_failed', message: 'body/email must match format "email"' });
  });

  it.each([
    ['FST_ERR_CTP_BODY_TOO_LARGE', 413, 'payload_too_large'],
    ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, 'unsupported_media_type'],
  ])('maps %s to %i', (code, status, error) => {
    expect(classify(fastifyError({ code }))[0]).toBe(status);
    expect(classify(fastifyError({ code }))[1].error).toBe(error);
  });

  it.each(['ECONNREFUSED', '57P01', '08006', '53300'])('answers an unreachable database (%s) with 503', (code) => {
    expect(classify(fastifyError({ code }))).toEqual([
      503,
      { error: 'database_unavailable', message: 'the database is not reachable; try again shortly' },
    ]);
  });

  it('hides anything else behind a generic 500', () => {
    const [status, body] = classify(fastifyError({ message: 'secret detail at foo.ts:12' }));
    expect(status).toBe(500);
    expect(body).toEqual({ error: 'internal_error', message: 'internal error' });
  });
});
