/** The cluster benchmark's settings (environment), read once: which broker sets, which ports, how much load. */
import path from 'node:path';
import { ConfigError, loadConfig } from '@demo/service-kit/config';
import Type from 'typebox';
import type { SystemSpec } from './second-system.js';

export const BenchEnv = {
  N: Type.Integer({ default: 20_000, minimum: 1_000, maximum: 1_000_000 }),
  /** Rounds of one run per topology: 1 node then 3, then (second round) 3 then 1, and so on. */
  BENCH_ROUNDS: Type.Integer({ default: 2, minimum: 1, maximum: 10 }),
  CONCURRENCY: Type.Integer({ default: 64, minimum: 1, maximum: 1024 }),
  /** `name:offset` of the broker sets (scripts/infra/rabbitmq.sh): one node, then three. */
  BENCH_SINGLE_BROKER: Type.String({ default: 'bench:300', pattern: '^[a-z][a-z0-9]*:\\d+$' }),
  BENCH_CLUSTER_BROKER: Type.String({ default: 'cluster:100', pattern: '^[a-z][a-z0-9]*:\\d+$' }),
  /** The 1-node system's customer-service port (its order instances on the next ones); the 3-node system's is 100 above. */
  BENCH_BASE_PORT: Type.Integer({ default: 8380, minimum: 1024, maximum: 65_000 }),
  RESULTS_DIR: Type.String({ default: 'results', minLength: 1 }),
};

export interface BenchConfig {
  n: number;
  rounds: number;
  concurrency: number;
  single: SystemSpec;
  cluster: SystemSpec;
  resultsDir: string;
}

function brokerOf(value: string): { brokerName: string; brokerPortOffset: number } {
  const [brokerName, offset] = value.split(':') as [string, string];
  return { brokerName, brokerPortOffset: Number(offset) };
}

/** Throws a ConfigError naming the variable on a bad value. */
export function loadBenchConfig(repoRoot: string, env: NodeJS.ProcessEnv = process.env): BenchConfig {
  const settings = loadConfig(BenchEnv, env);
  const single = brokerOf(settings.BENCH_SINGLE_BROKER);
  const cluster = brokerOf(settings.BENCH_CLUSTER_BROKER);
  if (single.brokerName === cluster.brokerName) {
    throw new ConfigError(`invalid configuration: BENCH_SINGLE_BROKER and BENCH_CLUSTER_BROKER name the same broker set (${single.brokerName})`);
  }
  return {
    n: settings.N,
    rounds: settings.BENCH_ROUNDS,
    concurrency: settings.CONCURRENCY,
    single: { name: 'bench1', basePort: settings.BENCH_BASE_PORT, brokerNodes: 1, ...single },
    cluster: { name: 'bench3', basePort: settings.BENCH_BASE_PORT + 100, brokerNodes: 3, ...cluster },
    resultsDir: path.resolve(repoRoot, settings.RESULTS_DIR),
  };
}

/** The runs in order: round r runs 1 node then 3 when r is odd, 3 then 1 when it is even (ABBA...). */
export function runOrder(rounds: number): Array<{ nodes: 1 | 3; round: number }> {
  const order: Array<{ nodes: 1 | 3; round: number }> = [];
  for (let round = 1; round <= rounds; round++) {
    const pair: Array<1 | 3> = round % 2 === 1 ? [1, 3] : [3, 1];
    for (const nodes of pair) order.push({ nodes, round });
  }
  return order;
}
