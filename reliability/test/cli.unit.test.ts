import { describe, expect, it } from 'vitest';
import { CliError, parseCli, QUICK_FAULTS } from '../src/cli.js';
import { FAULT_NAMES } from '../src/faults/fault.js';

describe('parseCli', () => {
  it('runs every fault alone and then combined by default, 20,000 operations', () => {
    // Given / When
    const options = parseCli([]);
    // Then
    expect(options).toMatchObject({ ops: 20_000, single: [...FAULT_NAMES], combined: [...FAULT_NAMES], badInput: { http: true, stream: true }, quick: false });
  });

  it('--quick runs a subset with 2,000 operations and no combined run', () => {
    const options = parseCli(['--quick']);
    expect(options).toMatchObject({ ops: 2_000, single: QUICK_FAULTS, combined: [], quick: true });
  });

  it('takes a list of faults, combined and --ops in both spellings', () => {
    const options = parseCli(['--faults', 'broker-outage,combined', '--ops=500']);
    expect(options).toMatchObject({ ops: 500, single: ['broker-outage'], combined: [...FAULT_NAMES] });
    expect(parseCli(['--bad-input', 'http']).badInput).toEqual({ http: true, stream: false });
  });

  it('refuses unknown faults, flags and bad numbers', () => {
    expect(() => parseCli(['--faults', 'kill-everything'])).toThrow(CliError);
    expect(() => parseCli(['--fast'])).toThrow(/unknown flag/);
    expect(() => parseCli(['--ops', 'many'])).toThrow(/--ops must be an integer/);
    expect(() => parseCli(['--ops'])).toThrow(/needs a value/);
    expect(() => parseCli(['--bad-input', 'some'])).toThrow(/--bad-input must be/);
  });
});
