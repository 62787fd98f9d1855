import { runBatch, type BatchResult, type PhaseCounter } from '../http-load.js';
import { emailOf, errorKind, type RunModel } from './model.js';

export interface PhaseOptions {
  baseUrl: string;
  concurrency: number;
  timeoutS: number;
  maxRetries: number;
}

/** N × POST /customers, each with its own email and Idempotency-Key (a retry returns the original). */
export async function createCustomers(
  model: RunModel,
  unknown: (i: number) => boolean,
  counter: PhaseCounter,
  options: PhaseOptions,
): Promise<BatchResult<number>> {
  const items = Array.from({ length: model.n }, (_, i) => i);
  const attempts = new Uint8Array(model.n);
  const result = await runBatch<number>({
    ...options,
    counter,
    items,
    build(i) {
      if (attempts[i]!++ > 0) model.ambiguous[i] = 1;
      const address = unknown(i) ? 'unknown' : `${i} Load Street, Run ${model.runId}`;
      return {
        method: 'POST',
        path: '/customers',
        headers: { 'idempotency-key': `load-${model.runId}-${i}` },
        body: JSON.stringify({ name: `Load Customer ${i}`, email: emailOf(model.runId, i), address }),
      };
    },
    accept(i, status, body) {
      if (status !== 201) return errorKind(status, body);
      const customer = JSON.parse(body) as { customer_id?: string; address?: string; version?: number };
      if (typeof customer.customer_id !== 'string') return '201 without customer_id';
      model.ids[i] = customer.customer_id;
      model.addresses[i] = customer.address ?? '';
      model.writes[i] = 1;
      model.lastWriteAt = Date.now();
      return 'ok';
    },
  });
  return result;
}
