import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { throughSnapshot } from '../src/rebuild.js';

describe('a rebuild that went through the snapshot', () => {
  it("is told from a replay by what order-service's rebuild command prints", async () => {
    // The phrase the load test looks for is the one the command prints when it chooses the snapshot.
    const command = await readFile(new URL('../../order-service/src/rebuild.ts', import.meta.url), 'utf8');
    expect(command).toContain("an instance loads customer-service's snapshot");
    expect(throughSnapshot(`order-service: replica of stream "customer" emptied (generation 3); an instance loads customer-service's snapshot, then the stream resumes (customer: stream_gap)`)).toBe(true);
    expect(throughSnapshot('order-service: replica of stream "customer" emptied (generation 3); the active instance replays it from the first offset (the stream holds everything)')).toBe(false);
  });
});
