/**
 * Publishes poison messages straight to the `customer` stream, interleaved with real changes
 * made through customer-service, and checks: each poison message is parked with its reason, the
 * real changes around them still reach the replica, and the consumer does not stall.
 */
import { partitionOf } from '@demo/contract';
import { authorizationFor } from '@demo/service-kit/system';
import { createConfirmingPublisher } from '@demo/stream';
import { firstAnswer, request, requestJson } from '../http.js';
import type { Databases } from '../db.js';
import { pollUntil, since } from '../poll.js';
import type { Settings } from '../settings.js';
import { openStreamConnection, tailOffset } from '../stream-reader.js';
import { createCustomer, waitReplicated } from './fixtures.js';
import { poisonMessages, type PoisonMessage } from './poison.js';

export interface StreamBadInputResult {
  published: number;
  parked: number;
  /** From the last poison message until the replica held every real change made around them. */
  appliedAfterMs: number | undefined;
  reasons: Record<string, string>;
  failures: string[];
}

/** Finds a parked row for the message: by event id, else by its marker in the stored body (text or bytea). */
async function parkedRow(dbs: Databases, message: PoisonMessage): Promise<string | undefined> {
  const hex = Buffer.from(message.marker).toString('hex');
  const { rows } = await dbs.order.query<{ row: string }>(
    `SELECT to_jsonb(p)::text AS row FROM parked_events p
      WHERE ($1::text IS NOT NULL AND to_jsonb(p)::text LIKE '%' || $1 || '%')
         OR to_jsonb(p)::text LIKE '%' || $2 || '%' OR to_jsonb(p)::text LIKE '%' || $3 || '%'
      LIMIT 2`,
    [message.eventId ?? null, message.marker, hex],
  );
  return rows[0]?.row;
}

export async function checkStreamBadInput(settings: Settings, dbs: Databases, log: (line: string) => void): Promise<StreamBadInputResult> {
  const tag = Date.now().toString(36);
  const failures: string[] = [];
  const first = await createCustomer(settings, `${tag}-poison-1`);
  await waitReplicated(dbs, [first.id]);
  const poison = poisonMessages(first.id);
  // On a super stream: the first customer's partition, where its real changes interleave with the poison.
  const stream = settings.stream.streams[partitionOf(first.id, settings.stream.partitions)]!;
  const tailBefore = await tailOffset(settings, stream);
  const connection = openStreamConnection(settings, 'poison');
  // Our own publisherRef: customer-service's deduplication sequence is not touched.
  const publisher = createConfirmingPublisher(connection, { stream, publisherRef: `reliability-poison-${tag}` });
  let publishingId = 0n;
  const publish = async (messages: PoisonMessage[]) => {
    await connection.ready();
    await pollUntil(async () => {
      await publisher.publish(messages.map((m) => ({ publishingId: ++publishingId, body: m.body, annotations: m.annotations })));
      return true;
    }, { timeoutMs: 30_000, intervalMs: 200, what: 'poison messages to be confirmed' });
  };
  let lastPoison = performance.now();
  const ids = [first.id];
  try {
    log(`[bad-input/stream] publishing ${poison.length} poison messages around real changes`);
    // poison, change, poison, change...: the valid events sit between the bad ones on the stream.
    await publish(poison.slice(0, 2));
    const update = await requestJson(`${settings.customerUrl}/customers/${first.id}/address`, { address: 'After poison 1' }, 'PUT');
    if (update.status !== 200) failures.push(`update between poison answered ${update.status}`);
    await publish(poison.slice(2, 4));
    const second = await createCustomer(settings, `${tag}-poison-2`);
    ids.push(second.id);
    await publish(poison.slice(4, 6));
    await requestJson(`${settings.customerUrl}/customers/${second.id}/address`, { address: 'After poison 2' }, 'PUT');
    const deleted = await request(`${settings.customerUrl}/customers/${first.id}`, { method: 'DELETE' });
    if (deleted.status !== 204) failures.push(`delete between poison answered ${deleted.status}`);
    await publish(poison.slice(6));
    lastPoison = performance.now();
    await requestJson(`${settings.customerUrl}/customers/${second.id}/address`, { address: 'After the huge one' }, 'PUT');
  } finally {
    await publisher.close();
    await connection.close();
  }

  let appliedAfterMs: number | undefined;
  try {
    await waitReplicated(dbs, ids, 30_000);
    appliedAfterMs = since(lastPoison);
  } catch (error) {
    failures.push(`the real changes around the poison did not reach the replica (consumer stalled?): ${(error as Error).message}`);
  }
  const reasons: Record<string, string> = {};
  let parked = 0;
  for (const message of poison) {
    const row = await pollUntil(() => parkedRow(dbs, message), { timeoutMs: 10_000, intervalMs: 100, what: `${message.name} to be parked` }).catch(() => undefined);
    if (!row) {
      failures.push(`${message.name} was not parked`);
      continue;
    }
    parked++;
    reasons[message.name] = message.expectedReason;
    if (!row.includes(message.expectedReason)) failures.push(`${message.name} parked without reason ${message.expectedReason}: ${row.slice(0, 300)}`);
  }
  // The operator's view lists them too (paged by offset: start just before ours).
  try {
    const listed = await listParked(settings, tailBefore);
    const missing = poison.filter((m) => !listed.includes(m.eventId ?? m.marker)).map((m) => m.name);
    if (missing.length > 0) failures.push(`GET /admin/parked-events does not list ${missing.join(', ')}`);
  } catch (error) {
    failures.push(`GET /admin/parked-events: ${(error as Error).message}`);
  }
  return { published: poison.length, parked, appliedAfterMs, reasons, failures };
}

/** Every page of GET /admin/parked-events after `from`, concatenated as text (the first order instance that answers). */
async function listParked(settings: Settings, from: bigint): Promise<string> {
  let text = '';
  let after: string | undefined = from > 0n ? String(from - 1n) : undefined;
  for (let page = 0; page < 100; page++) {
    const query = `?limit=100${after === undefined ? '' : `&after=${after}`}`;
    const answer = await firstAnswer(
      settings.orders.map((order) => `${order.url}/admin/parked-events${query}`),
      { headers: authorizationFor('GET', '/admin/parked-events', settings.tokens) },
    );
    if (answer.status !== 200) throw new Error(`answered ${answer.status}: ${answer.text.slice(0, 200)}`);
    text += answer.text;
    const next = (answer.json as { next?: string | number | null } | undefined)?.next;
    if (next === undefined || next === null) return text;
    after = String(next);
  }
  return text;
}
