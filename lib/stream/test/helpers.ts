import { randomUUID } from 'node:crypto';
import { createStreamConnection, type StreamConnection } from '../src/index.js';

export const brokerSettings = {
  host: process.env.RABBITMQ_HOST ?? '127.0.0.1',
  port: Number(process.env.RABBITMQ_STREAM_PORT ?? 5552),
  user: process.env.RABBITMQ_USER ?? 'guest',
  password: process.env.RABBITMQ_PASSWORD ?? 'guest',
};

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
