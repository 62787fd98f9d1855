import { describe, expect, it } from 'vitest';
import { createGroupCommit, type StatementObservation } from '../src/index.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('group commit observations', () => {
  it('tells each statement its size, how long its first item waited in line, and how long it ran', async () => {
    // Given one statement in flight at a time, each holding on for 40 ms
    const observed: StatementObservation[] = [];
    const done: string[][] = [];
    const queue = createGroupCommit<string>({
      maxBatch: 10,
      maxInFlight: 1,
      keyOf: () => undefined,
      async run(batch) {
        await sleep(40);
        done.push(batch);
      },
      observe: (statement) => observed.push(statement),
    });
    // When one item starts a statement and four more arrive while it runs
    queue.push('a');
    for (const item of ['b', 'c', 'd', 'e']) queue.push(item);
    await sleep(150);
    // Then the four shared the second statement, which waited out the first
    expect(done).toEqual([['a'], ['b', 'c', 'd', 'e']]);
    expect(observed.map((o) => o.size)).toEqual([1, 4]);
    expect(observed[0]!.waitedSeconds).toBeLessThan(0.02);
    expect(observed[1]!.waitedSeconds).toBeGreaterThanOrEqual(0.035);
    for (const statement of observed) expect(statement.runSeconds).toBeGreaterThanOrEqual(0.035);
  });

  it('counts a requeued item as waiting since it first joined the line', async () => {
    // Given a statement that sends its item back once (as a lost race or an expired key does)
    const observed: StatementObservation[] = [];
    let attempts = 0;
    const queue = createGroupCommit<string>({
      maxBatch: 10,
      maxInFlight: 1,
      keyOf: (item) => item,
      async run(batch, again) {
        await sleep(30);
        if (attempts++ === 0) again(batch);
      },
      observe: (statement) => observed.push(statement),
    });
    // When the item runs twice
    queue.push('k');
    await sleep(100);
    // Then its second statement counts the first one in its wait
    expect(observed.map((o) => o.size)).toEqual([1, 1]);
    expect(observed[1]!.waitedSeconds).toBeGreaterThanOrEqual(0.025);
  });
});
