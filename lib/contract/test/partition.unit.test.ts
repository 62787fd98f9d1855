import { randomUUID } from 'node:crypto';
import { murmur32 } from 'rabbitmq-stream-js-client/dist/hash/murmur32.js';
import { describe, expect, it } from 'vitest';
import { murmur3, partitionOf } from '../src/partition.js';

describe('partitionOf', () => {
  it('routes like the stream clients\' hash routing (murmur3, seed 104729), for ids of every length', () => {
    const keys = [...Array.from({ length: 200 }, () => randomUUID()), '', 'a', 'ab', 'abc', 'abcd', 'abcde', 'é✓'];
    for (const key of keys) {
      expect(murmur3(Buffer.from(key, 'utf8'), 104_729), key).toBe(murmur32(key));
      expect(partitionOf(key, 3)).toBe(murmur32(key) % 3);
    }
  });

  it('matches the reference vectors of MurmurHash3 x86_32', () => {
    expect(murmur3(Buffer.from(''), 0)).toBe(0);
    expect(murmur3(Buffer.from(''), 1)).toBe(0x514e28b7);
    expect(murmur3(Buffer.from('hello'), 0)).toBe(0x248bfa47);
    expect(murmur3(Buffer.from('The quick brown fox jumps over the lazy dog'), 0x9747b28c)).toBe(0x2fa826cd);
  });

  it('spreads customers over the partitions, and puts all of them in one partition when there is one', () => {
    const counts = [0, 0, 0];
    for (let i = 0; i < 3_000; i++) counts[partitionOf(randomUUID(), 3)]!++;
    for (const count of counts) expect(count).toBeGreaterThan(850);
    expect(partitionOf(randomUUID(), 1)).toBe(0);
  });
});
