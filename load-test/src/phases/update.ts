import { runBatch, type BatchResult, type PhaseCounter } from '../http-load.js';
import { sample } from '../random.js';
import type { PhaseOptions } from './create.js';
import { AddressKind, acknowledgedIndexes, addressText, errorKind, type RunModel } from './model.js';

export interface UpdatePlan {
  /** rounds[r] = customers updated in round r + 1; a customer updated k times is in rounds 0..k-1. */
  rounds: number[][];
  total: number;
}

/**
 * Picks share × N acknowledged customers; 60% of them are updated once, 25% twice, 15% three times.
 * Round r only starts once round r − 1 (and its retries) is over, so each customer's writes are in order.
 */
export function planUpdates(model: RunModel, share: number, random: () => number): UpdatePlan {
  const acknowledged = acknowledgedIndexes(model);
  const chosen = sample(acknowledged.length, Math.round(share * model.n), random).map((k) => acknowledged[k]!);
  const rounds: number[][] = [[], [], []];
  for (const i of chosen) {
    const roll = random();
    const times = roll < 0.6 ? 1 : roll < 0.85 ? 2 : 3;
    for (let r = 0; r < times; r++) rounds[r]!.push(i);
  }
  return { rounds: rounds.filter((round) => round.length > 0), total: rounds.reduce((sum, round) => sum + round.length, 0) };
}

export async function updateAddresses(
  model: RunModel,
  plan: UpdatePlan,
  unknownShare: number,
  random: () => number,
  counter: PhaseCounter,
  options: PhaseOptions,
): Promise<Array<BatchResult<number>>> {
  const results: Array<BatchResult<number>> = [];
  for (const [r, round] of plan.rounds.entries()) {
    // The address kind each customer of the round gets (one byte per customer of the run).
    const next = new Uint8Array(model.n);
    for (const i of round) next[i] = random() < unknownShare ? AddressKind.unknown : AddressKind.updated + r;
    const attempts = new Map<number, number>();
    results.push(
      await runBatch<number>({
        ...options,
        counter,
        items: round,
        build(i) {
          const attempt = attempts.get(i) ?? 0;
          attempts.set(i, attempt + 1);
          if (attempt > 0) model.ambiguous[i] = 1;
          return { method: 'PUT', path: `/customers/${model.ids[i]}/address`, body: JSON.stringify({ address: addressText(model.runId, i, next[i]!) }) };
        },
        accept(i, status, body) {
          if (status !== 200) return errorKind(status, body);
          model.addresses[i] = next[i]!;
          model.writes[i]!++;
          model.updated[i] = 1;
          model.lastWriteAt = Date.now();
          return 'ok';
        },
      }),
    );
  }
  return results;
}
