import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

export interface LoggerSettings {
  service: string;
  instance: string;
  level: string;
  /** Pretty, coloured lines for a developer's terminal; JSON everywhere else. */
  pretty?: boolean;
}

/** Keys whose values are a customer's personal data, wherever a log line could carry them. */
const PERSONAL = ['name', 'email', 'address'];
/**
 * Keys that may quote personal data: request and event bodies, and `detail`, which holds a
 * PostgreSQL error's values (`Failing row contains (...)`, `Key (email)=(...)`) or, for a parked
 * event, the parser's complaint quoting the body.
 */
const QUOTING = ['body', 'detail'];
const SECRETS = ['password', 'authorization', 'cookie', 'token'];

/** Each key at the top of a log line, one level down (`err.detail`, `customer.email`) and two (`event.data.email`, `req.headers.authorization`). */
export const REDACTED_PATHS = [...PERSONAL, ...QUOTING, ...SECRETS].flatMap((key) => [key, `*.${key}`, `*.*.${key}`]);

export function loggerOptions(settings: LoggerSettings): LoggerOptions {
  return {
    level: settings.level,
    base: { service: settings.service, instance: settings.instance },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    ...(settings.pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l' } } } : {}),
  };
}

/** The service's logger: JSON lines on stdout (or `destination`: tests read what a service logged). */
export function createLogger(settings: LoggerSettings, destination?: DestinationStream): Logger {
  return destination ? pino(loggerOptions(settings), destination) : pino(loggerOptions(settings));
}

/** pino-pretty is a development dependency: use it only on a terminal outside production. */
export function wantsPrettyLogs(nodeEnv: string): boolean {
  return nodeEnv === 'development' && process.stdout.isTTY === true;
}
