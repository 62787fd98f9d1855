import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { readyToCompare, throughSnapshot } from '../src/rebuild.js';

describe('a rebuild that went through the snapshot', () => {
  it("is told from a replay by what order-service's rebuild command prints", async () => {
    // The phrase the load test looks for is the one the command prints when it chooses the snapshot.
    const command = await readFile(new URL('../../order-service/src/rebuild.ts', import.meta.url), 'utf8');
    expect(command).toContain("an instance loads customer-service's snapshot");
    expect(throughSnapshot(`order-service: replica of stream "customer" emptied (generation 3); an instance loads customer-service's snapshot, then the stream resumes (customer: stream_gap)`)).toBe(true);
    expect(throughSnapshot('order-service: replica of stream "customer" emptied (generation 3); the active instance replays it from the first offset (the stream holds everything)')).toBe(false);
  });
});

describe('waiting for the replica after a rebuild', () => {
  it('compares once the applier is quiet and applied events, or at once after a snapshot that left nothing to apply', () => {
    expect(readyToCompare(true, 1_000, false)).toBe(true);
    expect(readyToCompare(true, 0, false)).toBe(false); // a replay that has not begun
    expect(readyToCompare(false, 1_000, false)).toBe(false); // still applying
    // The stream's first events gone (retention), nothing written since the snapshot: no event ever comes.
    // The load test used to wait for one until its timeout and fail the run (seen after 3M customers).
    expect(readyToCompare(true, 0, true)).toBe(true);
    expect(readyToCompare(false, 10, true)).toBe(false);
  });
});
