/**
 * scripts/run-parallel.sh, with which make test runs its last stages on three systems at once: every command
 * runs, at the same time, its lines carry its name, and one failure fails the whole after all have ended.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scripts/run-parallel.sh');
const run = (...args: string[]) => spawnSync('bash', [script, ...args], { encoding: 'utf8', timeout: 20_000 });

describe('scripts/run-parallel.sh', () => {
  it('runs the commands at the same time and prefixes each line with its command name', () => {
    // b can only finish once a has started: one after the other, b would wait for the file until its timeout.
    const dir = `/tmp/run-parallel-${process.pid}`;
    const result = run(
      'a', `mkdir -p ${dir} && echo first && sleep 1 && touch ${dir}/a-started && sleep 1 && echo second`,
      'b', `for i in $(seq 1 40); do [ -f ${dir}/a-started ] && break; sleep 0.1; done; [ -f ${dir}/a-started ] && echo saw a; rm -rf ${dir}`,
    );
    expect(result.status).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines).toContain('[a] first');
    expect(lines).toContain('[a] second');
    expect(lines).toContain('[b] saw a');
    expect(lines.indexOf('[b] saw a')).toBeLessThan(lines.indexOf('[a] second'));
    expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^\[a\] passed in \d+ s$/), expect.stringMatching(/^\[b\] passed in \d+ s$/)]));
  });

  it('fails when one command fails, after the others have ended, and says which and with what', () => {
    const result = run('bad', 'echo oops >&2; exit 3', 'slow', 'sleep 1; echo done');
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('[bad] oops');
    expect(result.stdout).toContain('[slow] done');
    expect(result.stdout).toMatch(/^\[bad\] FAILED \(exit 3\) after \d+ s$/m);
    expect(result.stdout).toMatch(/^\[slow\] passed in \d+ s$/m);
  });

  it('refuses an odd number of arguments with its usage', () => {
    const result = run('lonely');
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/run-parallel\.sh NAME COMMAND/);
  });
});
