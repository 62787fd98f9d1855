import pino, { type Logger, type LoggerOptions } from 'pino';

export type { Logger };

export interface LoggerSettings {
  service: string;
  instance: string;
  level: string;
  /** Pretty, coloured lines for a developer's terminal; JSON everywhere else. */
  pretty?: boolean;
}

export function loggerOptions(settings: LoggerSettings): LoggerOptions {
  return {
    level: settings.level,
    base: { service: settings.service, instance: settings.instance },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: ['req.headers.authorization', '*.password', 'password'],
    ...(settings.pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l' } } } : {}),
  };
}

export function createLogger(settings: LoggerSettings): Logger {
  return pino(loggerOptions(settings));
}

/** pino-pretty is a development dependency: use it only on a terminal outside production. */
export function wantsPrettyLogs(nodeEnv: string): boolean {
  return nodeEnv === 'development' && process.stdout.isTTY === true;
}
