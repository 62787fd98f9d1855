import { errorMessage } from '@demo/async';
import type { Client } from 'rabbitmq-stream-js-client';

import { silentLogger, type StreamLogger } from './logger.js';

export type StreamArguments = Record<string, string | number>;

export interface ManagementApi {
  /** e.g. http://127.0.0.1:15672 */
  url: string;
  user: string;
  password: string;
  vhost?: string;
}

/**
 * Declares the stream if it is missing. An existing stream is used as it is; when its arguments
 * differ from ours (checked through the management API, when reachable) a warning says so.
 */
export async function ensureStream(
  client: Client,
  stream: string,
  args: StreamArguments,
  options: { management?: ManagementApi; logger?: StreamLogger } = {},
): Promise<void> {
  const logger = options.logger ?? silentLogger;
  // An existing stream: the broker answers "precondition failed" (code 17) when its arguments
  // differ from ours (e.g. declared before initial-cluster-size was added), else success.
  await client.createStream({ stream, arguments: args }).catch((error: unknown) => {
    if (!/code 17\b/.test(errorMessage(error))) throw error;
  });
  if (!options.management) return;
  try {
    const actual = await fetchStreamArguments(options.management, stream);
    const differing = Object.entries(args).filter(([key, value]) => String(actual[key] ?? '') !== String(value));
    if (differing.length > 0) {
      logger.warn(
        { stream, wanted: args, actual },
        `stream "${stream}" exists with other arguments (${differing.map(([key]) => key).join(', ')}); using it as it is`,
      );
    }
  } catch (error) {
    logger.debug({ err: errorMessage(error) }, 'could not compare stream arguments through the management API');
  }
}

export async function fetchStreamArguments(management: ManagementApi, stream: string): Promise<Record<string, unknown>> {
  const vhost = encodeURIComponent(management.vhost ?? '/');
  const response = await fetch(`${management.url}/api/queues/${vhost}/${encodeURIComponent(stream)}`, {
    headers: { authorization: `Basic ${Buffer.from(`${management.user}:${management.password}`).toString('base64')}` },
    signal: AbortSignal.timeout(2_000),
  });
  if (!response.ok) throw new Error(`management API answered ${response.status}`);
  const body = (await response.json()) as { arguments?: Record<string, unknown> };
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body.arguments ?? {})) out[key.replace(/^x-/, '')] = value;
  return out;
}

/**
 * First offset of the stream's last committed chunk (-1 when empty): a lower bound of its tail,
 * which is what the broker's statistics offer.
 */
export async function streamTail(client: Client, stream: string): Promise<bigint> {
  return (await streamBounds(client, stream)).committedChunk;
}

/** What the broker's statistics say of a stream's extent. */
export interface StreamBounds {
  /** The first offset the stream still holds (retention removes whole segments from the start); -1 when empty. */
  firstRetained: bigint;
  /** First offset of the last committed chunk (-1 when nothing is committed): a lower bound of the tail. */
  committedChunk: bigint;
}

export async function streamBounds(client: Client, stream: string): Promise<StreamBounds> {
  const stats = await client.streamStatsRequest(stream);
  return { firstRetained: BigInt(stats.firstChunkId), committedChunk: BigInt(stats.committedChunkId) };
}

/** The partition streams of a super stream `name` with `partitions` partitions: name-0, name-1, ... */
export function partitionStreams(name: string, partitions: number): string[] {
  return Array.from({ length: partitions }, (_, index) => `${name}-${index}`);
}

/**
 * Declares the super stream (its exchange, and one stream per partition, each with `args`) if it
 * is missing; an existing one is used as it is.
 */
export async function ensureSuperStream(client: Client, name: string, partitions: number, args: StreamArguments): Promise<void> {
  await client.createSuperStream({ streamName: name, arguments: args }, undefined, partitions);
}

/**
 * Throws unless `stream` exists: a reader that may not declare streams (least privilege) waits for
 * the writer to declare it. As a connection's ready hook, the connection retries with backoff.
 */
export async function requireStream(client: Client, stream: string): Promise<void> {
  try {
    await client.streamStatsRequest(stream);
  } catch (error) {
    throw new Error(`stream "${stream}" is not there (yet): its writer declares it (${errorMessage(error)})`);
  }
}

/**
 * Throws unless `stream` exists and is bound to the super stream `superStream` (its exchange's
 * bindings are what the broker reads a partition's index from). Declaring a super stream creates its
 * streams before it binds them: a single active consumer registered in between gets the index -1
 * (a plain stream's group), and on RabbitMQ 4.0 the next consumer of that group, registered with the
 * partition's real index, crashes the broker's stream coordinator (rabbitmq-server#13835, fixed in
 * 4.1 by refusing the subscription). So a partition's consumer waits for the binding, as a
 * connection's ready hook, which retries with backoff.
 */
export async function requirePartition(client: Client, superStream: string, stream: string): Promise<void> {
  await requireStream(client, stream);
  let partitions: string[];
  try {
    partitions = await client.queryPartitions({ superStream });
  } catch (error) {
    throw new Error(`super stream "${superStream}" is not there (yet): its writer declares it (${errorMessage(error)})`);
  }
  if (!partitions.includes(stream)) {
    throw new Error(`stream "${stream}" is not bound to super stream "${superStream}" (yet): its writer declares it (partitions: ${partitions.join(', ') || 'none'})`);
  }
}
