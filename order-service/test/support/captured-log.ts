import { createLogger, type Logger } from '@demo/service-kit';
import { capturedOutput } from '@demo/test-support';

/** The service's own logger (same options, every level), writing into memory for the test to read. */
export function capturedLog(): { logger: Logger; text(): string; lines(): Array<Record<string, unknown>> } {
  const { sink, text, lines } = capturedOutput();
  return { logger: createLogger({ service: 'order-service', instance: 'test', level: 'trace' }, sink), text, lines };
}
