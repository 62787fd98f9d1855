import { broker } from '@demo/test-support';
import { randomUUID } from 'node:crypto';
import { createStreamConnection, type StreamConnection } from '../src/index.js';

export const brokerSettings = broker;

export function uniqueStream(prefix: string): string {
  return `test-${prefix}-${randomUUID().slice(0, 8)}`;
}

export function newConnection(name: string): StreamConnection {
  const connection = createStreamConnection({ ...brokerSettings, connectionName: name, connectTimeoutMs: 3_000 });
  connection.start();
  return connection;
}

export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${what} not reached within ${timeoutMs} ms`);
}
