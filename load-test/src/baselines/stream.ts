import { randomBytes } from 'node:crypto';
import { connect, Offset, type Client } from 'rabbitmq-stream-js-client';

export interface StreamSettings {
  host: string;
  port: number;
  user: string;
  password: string;
  vhost: string;
}

export interface StreamBaseline {
  messages: number;
  bytesPerMessage: number;
  publishSeconds: number;
  publishPerS: number;
  consumeSeconds: number;
  consumePerS: number;
}

export interface ReplayBaseline {
  stream: string;
  messages: number;
  seconds: number;
  perS: number;
}

export async function openStreamClient(settings: StreamSettings, name: string, onConfirm?: (count: number) => void): Promise<Client> {
  return connect({
    hostname: settings.host,
    port: settings.port,
    username: settings.user,
    password: settings.password,
    vhost: settings.vhost,
    heartbeat: 10,
    connectionName: name,
    listeners: onConfirm ? { publish_confirm: (confirm) => onConfirm(confirm.publishingIds.length) } : {},
  });
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} not done within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/**
 * Publishes `messages` bodies of ~200 bytes with application properties to a scratch stream
 * (test-load-baseline-<random>, deleted afterwards), waits for every confirm, then consumes them
 * all from the first offset with a JSON.parse each: the raw limits of the broker and client.
 */
export async function measureStreamBaseline(settings: StreamSettings, messages: number): Promise<StreamBaseline> {
  const stream = `test-load-baseline-${randomBytes(4).toString('hex')}`;
  let confirmed = 0;
  const client = await openStreamClient(settings, 'load-test-baseline', (count) => (confirmed += count));
  try {
    // Replicated as the customer stream is on a cluster (a leader and two replicas; one node ignores it).
    await client.createStream({ stream, arguments: { 'max-length-bytes': 500_000_000, 'initial-cluster-size': 3 } });
    const publisher = await client.declarePublisher({ stream });
    const body = (i: number) =>
      Buffer.from(
        JSON.stringify({ customer_id: '00000000-0000-4000-8000-' + String(i).padStart(12, '0'), address: `${i} Baseline Street`, version: 1, timestamp: new Date().toISOString(), pad: 'x'.repeat(60) }),
      );
    const bytesPerMessage = body(0).length;
    const started = performance.now();
    for (let i = 0; i < messages; i++) {
      await publisher.send(body(i), { applicationProperties: { event_type: 'baseline', event_id: `e-${i}` } });
    }
    await publisher.flush();
    await until(() => confirmed >= messages, 60_000, 'publish confirms');
    const publishSeconds = (performance.now() - started) / 1000;
    await publisher.close();

    let consumed = 0;
    const consumeStarted = performance.now();
    const consumer = await client.declareConsumer({ stream, offset: Offset.first() }, (message) => {
      JSON.parse(message.content.toString('utf8'));
      consumed++;
    });
    await until(() => consumed >= messages, 60_000, 'consume');
    const consumeSeconds = (performance.now() - consumeStarted) / 1000;
    await client.closeConsumer(consumer.extendedId).catch(() => undefined);
    return {
      messages,
      bytesPerMessage,
      publishSeconds,
      publishPerS: messages / publishSeconds,
      consumeSeconds,
      consumePerS: messages / consumeSeconds,
    };
  } finally {
    await client.deleteStream({ stream }).catch(() => undefined);
    await client.close().catch(() => undefined);
  }
}

/**
 * Reads an existing stream (the customer stream) from its first offset with a raw consumer (the
 * client's defaults: one chunk of credit at a time) until it is idle past the tail seen at the
 * start, JSON.parse per message.
 */
export async function measureReplayBaseline(settings: StreamSettings, stream: string): Promise<ReplayBaseline> {
  const client = await openStreamClient(settings, 'load-test-replay-baseline');
  try {
    const tail = (await client.streamStatsRequest(stream)).committedChunkId;
    let consumed = 0;
    let lastOffset = -1n;
    let lastAt = performance.now();
    const started = performance.now();
    const consumer = await client.declareConsumer({ stream, offset: Offset.first() }, (message) => {
      try {
        JSON.parse(message.content.toString('utf8'));
      } catch {
        // a poison event is still read
      }
      consumed++;
      lastOffset = message.offset ?? lastOffset;
      lastAt = performance.now();
    });
    // The last chunk can be an offset-tracking chunk, which is never delivered: past the tail, or
    // quiet for 2 s once messages flowed, the replay is over.
    await until(() => {
      const quietMs = performance.now() - lastAt;
      return (lastOffset >= tail && quietMs > 300) || (consumed > 0 && quietMs > 2_000);
    }, 120_000, 'replay');
    await client.closeConsumer(consumer.extendedId).catch(() => undefined);
    const seconds = (lastAt - started) / 1000;
    return { stream, messages: consumed, seconds, perS: consumed / seconds };
  } finally {
    await client.close().catch(() => undefined);
  }
}
