import { describe, expect, it } from 'vitest';
import { parseVersion, supportsSingleActiveConsumer } from '../src/broker-version.js';

describe('broker version', () => {
  it.each([
    ['3.10.7', false],
    ['3.11.0', true],
    ['3.13.7', true],
    ['4.0.5', true],
    ['garbage', false],
  ])('%s supports single active consumer: %s', (version, expected) => {
    expect(supportsSingleActiveConsumer(version)).toBe(expected);
  });

  it('parses a version with a suffix', () => {
    expect(parseVersion('4.0.5+1.g1234')).toEqual([4, 0, 5]);
  });
});

