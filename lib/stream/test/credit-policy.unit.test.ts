import { describe, expect, it } from 'vitest';
import { CreditWhenBuffered, type ChunkHooks } from '../src/credit-policy.js';

function recorder(room: { open: boolean; waiters: Array<() => void> }) {
  const events: string[] = [];
  const hooks: ChunkHooks = {
    started: (chunk) => events.push(`started ${String((chunk as { id: number }).id)}`),
    completed: (chunk) => events.push(`completed ${String((chunk as { id: number }).id)}`),
    waitForRoom: () => (room.open ? Promise.resolve() : new Promise<void>((resolve) => room.waiters.push(resolve))),
  };
  return { events, hooks };
}

/** A credit wrapper as the client makes one per delivered chunk; records the credit it sends. */
function chunk(id: number, granted: number[]) {
  const wrapper = async (howMany: number) => void granted.push(howMany);
  return Object.assign(wrapper, { id });
}

describe('credit when buffered', () => {
  it('asks for credit at subscription, tops up once half is used, in one request', async () => {
    // Given 8 chunks of credit and a buffer with room
    const room = { open: true, waiters: [] as Array<() => void> };
    const { events, hooks } = recorder(room);
    const policy = new CreditWhenBuffered(8, hooks);
    const granted: number[] = [];
    expect(policy.onSubscription()).toBe(8);
    // When 4 chunks are delivered and completed
    for (let id = 1; id <= 4; id++) {
      const wrapper = chunk(id, granted);
      await policy.onChunkReceived(wrapper);
      await policy.onChunkCompleted(wrapper);
    }
    // Then the hooks saw each chunk start and complete, and 4 credits came back at once
    expect(events).toEqual(['started 1', 'completed 1', 'started 2', 'completed 2', 'started 3', 'completed 3', 'started 4', 'completed 4']);
    expect(granted).toEqual([4]);
  });

  it('grants no credit while the buffer has no room', async () => {
    // Given a policy whose consumer's buffer is full
    const room = { open: false, waiters: [] as Array<() => void> };
    const { hooks } = recorder(room);
    const policy = new CreditWhenBuffered(2, hooks);
    const granted: number[] = [];
    const wrapper = chunk(1, granted);
    await policy.onChunkReceived(wrapper);
    // When the chunk completes
    const completing = policy.onChunkCompleted(wrapper);
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Then no credit is requested until there is room
    expect(granted).toEqual([]);
    room.open = true;
    for (const resolve of room.waiters) resolve();
    await completing;
    expect(granted).toEqual([1]);
  });
});
