import { errorMessage } from '@demo/async';
import { streamBounds, type ManagementApi, type StreamBounds, type StreamConnection } from '@demo/stream';
import type { Kysely } from 'kysely';
import { brokerStoredOffset, eventAt, lastMessageOffset, streamQueueStatistics, type StreamQueueStatistics } from '../broker/stream-facts.js';
import { checkStream } from '../consumer/stream-check.js';
import { readConsumerPositions, type ConsumerPositionRow } from '../db/consumer-positions.js';
import type { StoredPosition } from '../db/position.js';
import type { Database } from '../db/schema.js';
import type { Verdict } from '../domain/stream-integrity.js';

/** Where a stream stands, and each consumer on it: what `npm run stream:status` prints. */
export interface StreamStatus {
  stream: string;
  checkedAt: Date;
  /** The broker's statistics: first retained offset, first offset of the last committed chunk (-1: none). */
  bounds: StreamBounds;
  /** The offset of the last message; null when the stream holds none. */
  lastMessage: bigint | null;
  /** The management API's view, or why it could not be had. */
  management: StreamQueueStatistics | { error: string };
  consumers: ConsumerStatus[];
}

export interface ConsumerStatus {
  name: string;
  /** The position in order_db (what the applier resumes from); null when the consumer has no row. */
  stored: Omit<ConsumerPositionRow, 'consumerName'> | null;
  /** The offset the broker stores for this consumer reference; null when none. */
  brokerOffset: bigint | null;
  /** The first offset the replica has not applied. */
  nextNeeded: bigint;
  /** Offsets between the stored one and the last message (offset-tracking entries count too). */
  lagEvents: bigint;
  /** How old the oldest unapplied event is; 0 when nothing is unapplied, null when its time is unknown. */
  lagSeconds: number | null;
  /** The oldest unapplied message the stream still holds. */
  oldestUnapplied: { offset: bigint; eventTime: Date | undefined } | null;
  /** The service's own judgement (consumer/stream-check.ts, domain/stream-integrity.ts). */
  verdict: Verdict;
}

export interface StreamStatusSources {
  /** A connection to the broker (started; not closed here). */
  connection: StreamConnection;
  /** order_db, read only. */
  db: Kysely<Database>;
  management: ManagementApi;
  stream: string;
  /** Consumers reported even without a stored position (order-service's own name). */
  consumerNames: readonly string[];
  now?: () => Date;
}

/** A consumer without a row in consumer_offsets starts the way the service does: nothing applied. */
const NOTHING_APPLIED: Pick<StoredPosition, 'lastOffset' | 'lastFingerprint'> = { lastOffset: null, lastFingerprint: null };

/**
 * Reads the stream's extent from the broker, each consumer's stored position from order_db and
 * from the broker, and judges each position the way the service does before it consumes.
 */
export async function collectStreamStatus(sources: StreamStatusSources): Promise<StreamStatus> {
  const { connection, db, stream } = sources;
  const now = sources.now ?? (() => new Date());
  const client = await connection.ready();
  const [bounds, positions, management] = await Promise.all([
    streamBounds(client, stream),
    readConsumerPositions(db, stream),
    streamQueueStatistics(sources.management, stream).catch((error: unknown) => ({ error: errorMessage(error) })),
  ]);
  const lastMessage = bounds.committedChunk < 0n ? null : ((await lastMessageOffset(client, stream)) ?? null);
  const names = [...new Set([...positions.map((row) => row.consumerName), ...sources.consumerNames])].sort();

  const consumers: ConsumerStatus[] = [];
  for (const name of names) {
    const row = positions.find((position) => position.consumerName === name);
    const position = row ?? NOTHING_APPLIED;
    const verdict = await checkStream(connection, stream, position, bounds);
    const brokerOffset = await brokerStoredOffset(client, stream, name);
    const nextNeeded = position.lastOffset === null ? 0n : position.lastOffset + 1n;
    const lagEvents = lagOf(lastMessage, position.lastOffset, bounds.firstRetained);
    const oldest = lagEvents > 0n ? await eventAt(client, stream, nextNeeded > bounds.firstRetained ? nextNeeded : bounds.firstRetained) : undefined;
    consumers.push({
      name,
      stored: row ? storedOf(row) : null,
      brokerOffset,
      nextNeeded,
      lagEvents,
      lagSeconds: lagEvents === 0n ? 0 : oldest?.eventTime ? Math.max(0, now().getTime() - oldest.eventTime.getTime()) / 1000 : null,
      oldestUnapplied: oldest ?? null,
      verdict,
    });
  }
  return { stream, checkedAt: now(), bounds, lastMessage, management, consumers };
}

function storedOf({ consumerName: _name, ...stored }: ConsumerPositionRow): ConsumerStatus['stored'] {
  return stored;
}

/** Offsets from the stored one (or, with nothing applied, from the first retained) to the last message. */
export function lagOf(lastMessage: bigint | null, stored: bigint | null, firstRetained: bigint): bigint {
  if (lastMessage === null) return 0n;
  const lag = lastMessage - (stored ?? firstRetained - 1n);
  return lag > 0n ? lag : 0n;
}

/** Consumers whose stored position the service would refuse to consume from, or could not verify. */
export function consumersWithProblems(status: StreamStatus): ConsumerStatus[] {
  return status.consumers.filter((consumer) => consumer.verdict.kind !== 'ok');
}
