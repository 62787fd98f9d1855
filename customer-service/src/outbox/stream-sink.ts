import { annotationsOf, partitionOf, type CustomerEventType } from '@demo/contract';
import { createConfirmingPublisher, partitionStreams, type ConfirmingPublisher, type OutgoingMessage, type StreamConnection, type StreamLogger } from '@demo/stream';
import type { OutboxRow } from './outbox-queries.js';

/**
 * Where the relay publishes: the stream, or, when it is a super stream, the partition of each row's
 * customer (lib/contract partitionOf), so that a customer's events stay in one partition, in order.
 * Every partition has a deduplicating publisher under the same publisherRef; publishing ids increase
 * across all rows, so they increase within each partition too, and the broker drops a resent id
 * per partition: exactly once per partition.
 */
export interface StreamSink {
  /** Sends each row to its partition, in order; resolves once the broker confirmed all of them. */
  publish(rows: readonly OutboxRow[]): Promise<void>;
  /** The highest publishing id the broker stored, over all partitions (0 when none). */
  lastPublishingId(): Promise<bigint>;
  /** Every partition's publisher is declared and open. */
  readonly isReady: boolean;
  close(): Promise<void>;
}

export function createStreamSink(
  connection: StreamConnection,
  options: { stream: string; partitions: number; publisherRef: string; logger: StreamLogger },
): StreamSink {
  const streams = options.partitions > 1 ? partitionStreams(options.stream, options.partitions) : [options.stream];
  const publishers: ConfirmingPublisher[] = streams.map((stream) =>
    createConfirmingPublisher(connection, { stream, publisherRef: options.publisherRef, logger: options.logger }),
  );

  return {
    async publish(rows) {
      const byPartition = publishers.map(() => [] as OutgoingMessage[]);
      for (const row of rows) byPartition[partitionOf(row.customer_id, publishers.length)]!.push(toMessage(row));
      await Promise.all(byPartition.map((messages, index) => publishers[index]!.publish(messages)));
    },
    async lastPublishingId() {
      const ids = await Promise.all(publishers.map((publisher) => publisher.lastPublishingId()));
      return ids.reduce((max, id) => (id > max ? id : max), 0n);
    },
    get isReady() {
      return publishers.every((publisher) => publisher.isReady);
    },
    async close() {
      await Promise.all(publishers.map((publisher) => publisher.close()));
    },
  };
}

function toMessage(row: OutboxRow): OutgoingMessage {
  return {
    publishingId: BigInt(row.publishing_id),
    body: Buffer.from(row.body, 'utf8'),
    annotations: annotationsOf(row.event_type as CustomerEventType, {
      event_id: row.event_id,
      correlation_id: row.correlation_id,
      schema_version: row.schema_version,
    }),
  };
}
