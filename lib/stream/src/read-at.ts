import { withTimeout } from '@demo/async';
import { Offset, type Client } from 'rabbitmq-stream-js-client';

export interface MessageAt {
  offset: bigint;
  body: Buffer;
}

/**
 * The message stored at `offset`, read with a short-lived plain consumer; undefined when the
 * stream has no message there within `timeoutMs` (the offset is past its end, or it is an
 * offset-tracking entry). A message found at a greater offset is returned as it is: the caller
 * compares the offsets.
 */
export async function readMessageAt(client: Client, stream: string, offset: bigint, timeoutMs = 2_000): Promise<MessageAt | undefined> {
  let found: (message: MessageAt) => void = () => undefined;
  const first = new Promise<MessageAt>((resolve) => (found = resolve));
  const consumer = await client.declareConsumer({ stream, offset: Offset.offset(offset) }, (message) => {
    if (message.offset !== undefined && message.offset >= offset) found({ offset: message.offset, body: message.content });
  });
  try {
    return await withTimeout(first, timeoutMs, 'read').catch(() => undefined);
  } finally {
    await client.closeConsumer(consumer.extendedId).catch(() => undefined);
  }
}
