import Type from 'typebox';

/** Every error body: a stable machine-readable code and a sentence for people. */
export const ErrorBody = Type.Object(
  { error: Type.String({ description: 'stable error code' }), message: Type.String() },
  { $id: 'ErrorBody', description: 'Error' },
);
export interface ErrorBody {
  error: string;
  message: string;
}

/** An error a route throws on purpose: answered with its status and code, message kept. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const notFound = (message: string) => new HttpError(404, 'not_found', message);
export const conflict = (code: string, message: string) => new HttpError(409, code, message);

/** PostgreSQL and socket failures that mean "the database is not there right now". */
export function isDatabaseUnavailable(error: unknown): boolean {
  const err = error as { code?: string; message?: string } | undefined;
  const code = err?.code ?? '';
  return (
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === 'ETIMEDOUT' ||
    code === 'EPIPE' ||
    code.startsWith('08') || // connection exceptions
    code === '57P01' || // admin shutdown
    code === '57P02' || // crash shutdown
    code === '57P03' || // cannot connect now
    code.startsWith('53') || // insufficient resources, e.g. 53300 too many connections
    (code === '55000' && /not currently accepting connections/i.test(err?.message ?? '')) ||
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
      err?.message ?? '',
    )
  );
}
