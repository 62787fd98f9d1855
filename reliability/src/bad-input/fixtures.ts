/** Real customers (and an order) the bad-input checks need, created through the API before the digest. */
import { randomUUID } from 'node:crypto';
import { countDiverging, type Databases } from '../db.js';
import { requestJson, request } from '../http.js';
import { pollUntil } from '../poll.js';
import type { Settings } from '../settings.js';
import type { CorpusFixtures } from './corpus.js';

export async function createCustomer(settings: Settings, tag: string, key = randomUUID()) {
  const body = { name: `Fixture ${tag}`, email: `fixture-${tag}-${randomUUID().slice(0, 8)}@example.com`, address: '10 Fixture Rd' };
  const answer = await requestJson(`${settings.customerUrl}/customers`, body, 'POST', { 'idempotency-key': key });
  if (answer.status !== 201) throw new Error(`fixture create answered ${answer.status}: ${answer.text.slice(0, 200)}`);
  return { id: (answer.json as { customer_id: string }).customer_id, body, key };
}

export async function waitReplicated(dbs: Databases, ids: string[], timeoutMs = 30_000) {
  await pollUntil(async () => (await countDiverging(dbs, ids)) === 0, { timeoutMs, intervalMs: 50, what: `replica of ${ids.join(', ')}` });
}

export async function corpusFixtures(settings: Settings, dbs: Databases, tag: string): Promise<CorpusFixtures> {
  const live = await createCustomer(settings, `${tag}-live`);
  const gone = await createCustomer(settings, `${tag}-gone`);
  const deleted = await request(`${settings.customerUrl}/customers/${gone.id}`, { method: 'DELETE' });
  if (deleted.status !== 204) throw new Error(`fixture delete answered ${deleted.status}`);
  await waitReplicated(dbs, [live.id, gone.id]);
  const order = await requestJson(`${settings.orders[0]!.url}/orders`, { customer_id: live.id });
  if (order.status !== 201) throw new Error(`fixture order answered ${order.status}: ${order.text.slice(0, 200)}`);
  return {
    customerId: live.id,
    customerEmail: live.body.email,
    deletedCustomerId: gone.id,
    usedIdempotencyKey: live.key,
    idempotentBody: live.body,
    orderId: (order.json as { order_id: string }).order_id,
    bodyLimit: 64 * 1024,
    tag,
  };
}
