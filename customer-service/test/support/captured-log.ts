import { Writable } from 'node:stream';
import { createLogger, type Logger } from '@demo/service-kit';

/** The service's own logger (same options, every level), writing into memory for the test to read. */
export function capturedLog(): { logger: Logger; text(): string; lines(): Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return {
    logger: createLogger({ service: 'customer-service', instance: 'test', level: 'trace' }, sink),
    text: () => chunks.join(''),
    lines: () => chunks.join('').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}
