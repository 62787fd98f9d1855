import { describe, expect, it } from 'vitest';
import { CliError, parseCli, QUICK_CLUSTER_FAULTS, QUICK_FAULTS, QUICK_PARTITION_FAULTS } from '../src/cli.js';
import { CLUSTER_FAULTS, FAULT_NAMES, faultsFor, SMALL_STREAM_FAULTS } from '../src/faults/fault.js';

describe('parseCli', () => {
  it('runs every fault that applies to one node alone and then combined by default, 20,000 operations', () => {
    // Given / When
    const options = parseCli([]);
    // Then
    const single = FAULT_NAMES.filter((name) => !CLUSTER_FAULTS.includes(name) && !SMALL_STREAM_FAULTS.includes(name));
    expect(options).toMatchObject({ ops: 20_000, single, combined: single, badInput: { http: true, stream: true }, quick: false });
    expect(single).toEqual(expect.arrayContaining(['restart-stream', 'postgres-crash', 'freeze-active-order']));
  });

  it('runs every fault on a cluster, the cluster-only ones included', () => {
    const options = parseCli([], { cluster: true });
    const all = FAULT_NAMES.filter((name) => !SMALL_STREAM_FAULTS.includes(name));
    expect(options).toMatchObject({ single: all, combined: all });
    expect(faultsFor(true)).toEqual(expect.arrayContaining(['kill-stream-leader', 'kill-stream-follower', 'rolling-restart']));
  });

  it('--quick on a cluster runs the cluster faults, the PostgreSQL crash and the frozen instance, in one run', () => {
    const options = parseCli(['--quick'], { cluster: true });
    expect(options).toMatchObject({ ops: 2_000, single: [], combined: QUICK_CLUSTER_FAULTS });
    expect([...QUICK_CLUSTER_FAULTS].sort()).toEqual(['freeze-active-order', 'kill-stream-follower', 'kill-stream-leader', 'postgres-crash', 'restart-stream', 'rolling-restart']);
  });

  it('--quick on a super stream runs the order faults and a partition restart, in one run', () => {
    const options = parseCli(['--quick'], { cluster: false, partitioned: true });
    expect(options).toMatchObject({ single: [], combined: ['kill-active-order', 'sigterm-active-order', 'restart-stream'] });
    expect(options.combined).toEqual(QUICK_PARTITION_FAULTS);
  });

  it('refuses a cluster-only fault on one node, saying so', () => {
    expect(() => parseCli(['--faults', 'kill-stream-leader'])).toThrow(/needs a cluster/);
    expect(parseCli(['--faults', 'kill-stream-leader'], { cluster: true }).single).toEqual(['kill-stream-leader']);
  });

  it('--quick runs a subset with 2,000 operations and no combined run', () => {
    const options = parseCli(['--quick']);
    expect(options).toMatchObject({ ops: 2_000, single: QUICK_FAULTS, combined: [], quick: true });
  });

  it('takes a list of faults, combined and --ops in both spellings', () => {
    const options = parseCli(['--faults', 'broker-outage,combined', '--ops=500']);
    expect(options).toMatchObject({ ops: 500, single: ['broker-outage'], combined: faultsFor(false) });
    expect(parseCli(['--bad-input', 'http']).badInput).toEqual({ http: true, stream: false });
  });

  it('paces the load only when told: --rate operations per second', () => {
    expect(parseCli(['--quick']).rate).toBeUndefined();
    expect(parseCli(['--quick', '--rate', '50']).rate).toBe(50);
    expect(() => parseCli(['--rate', '0'])).toThrow(/--rate must be an integer ≥ 1/);
  });

  it('refuses unknown faults, flags and bad numbers', () => {
    expect(() => parseCli(['--faults', 'kill-everything'])).toThrow(CliError);
    expect(() => parseCli(['--fast'])).toThrow(/unknown flag/);
    expect(() => parseCli(['--ops', 'many'])).toThrow(/--ops must be an integer/);
    expect(() => parseCli(['--ops'])).toThrow(/needs a value/);
    expect(() => parseCli(['--bad-input', 'some'])).toThrow(/--bad-input must be/);
  });

  describe('on a stream whose retention is small enough to lose its history within a run', () => {
    const small = { cluster: false, streamMaxBytes: 1_000_000 };

    it('--quick runs retention-gap alone', () => {
      expect(parseCli(['--quick'], small)).toMatchObject({ ops: 2_000, single: ['retention-gap'], combined: [] });
    });

    it('adds retention-gap to every fault by default, and takes it by name', () => {
      expect(parseCli([], small).single).toEqual(FAULT_NAMES.filter((name) => !CLUSTER_FAULTS.includes(name)));
      expect(parseCli(['--faults', 'retention-gap'], small).single).toEqual(['retention-gap']);
    });

    it('is told apart by max-length-bytes: 16 MB is small, more or unknown is not', () => {
      expect(faultsFor({ cluster: false, streamMaxBytes: 16_000_000 })).toContain('retention-gap');
      expect(faultsFor({ cluster: false, streamMaxBytes: 16_000_001 })).not.toContain('retention-gap');
      expect(faultsFor({ cluster: true })).not.toContain('retention-gap');
    });

    it('leaves retention-gap out on a super stream, whose partitions each have their offsets', () => {
      const superStream = { cluster: false, streamMaxBytes: 1_000_000, partitioned: true };
      expect(faultsFor(superStream)).not.toContain('retention-gap');
      expect(parseCli(['--quick'], superStream).single).not.toContain('retention-gap');
      expect(() => parseCli(['--faults', 'retention-gap'], superStream)).toThrow(/runs a super stream: run it on a plain stream/);
    });

    it('refuses retention-gap on the 1 GB stream, saying what it needs and where to run it', () => {
      expect(() => parseCli(['--faults', 'retention-gap'], { cluster: false, streamMaxBytes: 1_000_000_000 })).toThrow(
        /needs a stream whose retention removes its history .* this one keeps 1000000000 bytes: .*make test-chaos-retention/,
      );
    });
  });
});
