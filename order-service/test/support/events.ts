import { randomUUID } from 'node:crypto';
import type { CustomerEvent } from '@demo/contract';

function metadata() {
  const id = randomUUID();
  return { event_id: id, correlation_id: id, schema_version: 1 };
}

export function created(customerId: string, address: string, version = 1, timestamp = new Date().toISOString()): CustomerEvent {
  return {
    type: 'customer.created',
    data: { customer_id: customerId, name: 'Test Customer', email: `${customerId}@example.com`, address, version, timestamp },
    metadata: metadata(),
  };
}
export function addressUpdated(customerId: string, address: string, version: number): CustomerEvent {
  return {
    type: 'customer.address.updated',
    data: { customer_id: customerId, address, version, timestamp: new Date().toISOString() },
    metadata: metadata(),
  };
}
export function deleted(customerId: string, version: number): CustomerEvent {
  return { type: 'customer.deleted', data: { customer_id: customerId, version, timestamp: new Date().toISOString() }, metadata: metadata() };
}

/** Customers with a mix of histories: created only, updated (sometimes to `unknown`), deleted. */
export function customerHistories(count: number): CustomerEvent[][] {
  return Array.from({ length: count }, (_, i) => {
    const id = randomUUID();
    const history: CustomerEvent[] = [created(id, `${i} Main Street`)];
    if (i % 3 === 1) history.push(addressUpdated(id, `${i} Second Street`, 2), addressUpdated(id, i % 2 ? 'unknown' : `${i} Third`, 3));
    if (i % 7 === 2) history.push(deleted(id, history.length + 1));
    return history;
  });
}

/** Interleaves histories the way a busy producer would: per customer in order, across customers mixed. */
export function interleave(histories: CustomerEvent[][]): CustomerEvent[] {
  const out: CustomerEvent[] = [];
  const cursors = histories.map(() => 0);
  let left = histories.reduce((sum, history) => sum + history.length, 0);
  let i = 0;
  while (left > 0) {
    const h = i++ % histories.length;
    const history = histories[h]!;
    if (cursors[h]! < history.length) {
      out.push(history[cursors[h]!]!);
      cursors[h]!++;
      left--;
    }
  }
  return out;
}
