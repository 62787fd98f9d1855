/** scripts/second-system.sh from the benchmark: a system of its own per broker topology. */
import { spawn } from 'node:child_process';
import path from 'node:path';

export interface SystemSpec {
  /** SYSTEM: run directory .run-<name>, databases test_<name>_*, stream customer-<name>. */
  name: string;
  basePort: number;
  brokerName: string;
  brokerNodes: number;
  brokerPortOffset: number;
}

export function systemEnv(spec: SystemSpec): Record<string, string> {
  return {
    SYSTEM: spec.name,
    BASE_PORT: String(spec.basePort),
    BROKER_NAME: spec.brokerName,
    BROKER_NODES: String(spec.brokerNodes),
    BROKER_PORT_OFFSET: String(spec.brokerPortOffset),
  };
}

/** Runs `scripts/second-system.sh <args>` for the system, its output passed through with a prefix; rejects on failure. */
export function secondSystem(repoRoot: string, spec: SystemSpec, args: string[], extraEnv: Record<string, string> = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path.join(repoRoot, 'scripts/second-system.sh'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...systemEnv(spec), ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const prefix = (chunk: Buffer) => chunk.toString().replace(/^(?=.)/gm, `[${spec.name}] `);
    child.stdout.on('data', (chunk: Buffer) => process.stdout.write(prefix(chunk)));
    child.stderr.on('data', (chunk: Buffer) => process.stderr.write(prefix(chunk)));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`scripts/second-system.sh ${args.join(' ')} (${spec.name}) exited with ${code}`))));
  });
}
