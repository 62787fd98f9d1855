import { runBatch, type BatchResult, type PhaseCounter } from '../http-load.js';
import { AddressKind, addressText, emailOf, errorKind, type RunModel } from './model.js';

export interface PhaseOptions {
  baseUrl: string;
  concurrency: number;
  timeoutS: number;
  maxRetries: number;
}

/**
 * N × POST /customers, each with its own email. With an Idempotency-Key a retry returns the
 * original response; without one, a retry answered 409 (the first attempt did commit) is resolved
 * by reading the customer's id from customer_db (`resolveEmail`).
 */
export async function createCustomers(
  model: RunModel,
  unknown: (i: number) => boolean,
  counter: PhaseCounter,
  options: PhaseOptions & { idempotencyKeys: boolean; resolveEmail(email: string): Promise<string | undefined> },
): Promise<BatchResult<number>> {
  const items = Array.from({ length: model.n }, (_, i) => i);
  const attempts = new Uint8Array(model.n);
  const conflicts: number[] = [];
  const kindOf = (i: number) => (unknown(i) ? AddressKind.unknown : AddressKind.created);
  const result = await runBatch<number>({
    ...options,
    counter,
    items,
    build(i) {
      if (attempts[i]!++ > 0) model.ambiguous[i] = 1;
      const address = addressText(model.runId, i, kindOf(i));
      return {
        method: 'POST',
        path: '/customers',
        headers: options.idempotencyKeys ? { 'idempotency-key': `load-${model.runId}-${i}` } : ({} as Record<string, string>),
        body: JSON.stringify({ name: `Load Customer ${i}`, email: emailOf(model.runId, i), address }),
      };
    },
    accept(i, status, body) {
      if (status === 409 && model.ambiguous[i]) {
        conflicts.push(i);
        return 'ok';
      }
      if (status !== 201) return errorKind(status, body);
      const customer = JSON.parse(body) as { customer_id?: string; address?: string; version?: number };
      if (typeof customer.customer_id !== 'string') return '201 without customer_id';
      if (customer.address !== addressText(model.runId, i, kindOf(i))) return '201 with another address than sent';
      model.ids[i] = customer.customer_id;
      model.addresses[i] = kindOf(i);
      model.writes[i] = 1;
      model.lastWriteAt = Date.now();
      return 'ok';
    },
  });
  for (const i of conflicts) {
    const id = await options.resolveEmail(emailOf(model.runId, i));
    const kind = id ? '409 on retry, resolved from customer_db' : '409 on retry, not in customer_db';
    result.errorsByKind[kind] = (result.errorsByKind[kind] ?? 0) + 1;
    if (!id) {
      result.succeeded--;
      result.failed.push(i);
      continue;
    }
    model.ids[i] = id;
    model.addresses[i] = kindOf(i);
    model.writes[i] = 1;
  }
  return result;
}
