/** The subset of pino's interface the stream module logs through. */
export interface StreamLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: StreamLogger = { debug() {}, info() {}, warn() {}, error() {} };
