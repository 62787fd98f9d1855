/**
 * Which broker the system under test runs on: one node or a cluster, the set's name and node
 * numbers as scripts/infra/rabbitmq.sh knows them (BROKER_NAME, BROKER_NODES, BROKER_PORT_OFFSET),
 * and the stream endpoint of each node. Pure.
 */
import { ConfigError } from '@demo/service-kit/config';
import { parseNodes, type Endpoint } from '@demo/stream';

export interface BrokerSet {
  /** BROKER_NAME: `rabbit` is the set of make dependencies, another name another set with its own data and ports. */
  name: string;
  /** The stream endpoint of node k at index k - 1 (the order of RABBITMQ_HOSTS, as infra.sh writes it). */
  nodes: Endpoint[];
}

export interface BrokerEnv {
  RABBITMQ_HOST: string;
  RABBITMQ_STREAM_PORT: number;
  RABBITMQ_HOSTS?: string | undefined;
  BROKER_NAME?: string | undefined;
  BROKER_NODES?: number | undefined;
  BROKER_PORT_OFFSET?: number | undefined;
}

/** The set scripts/infra/rabbitmq.sh runs for these variables: RABBITMQ_HOSTS when given, else the set's own ports. */
export function brokerSetOf(env: BrokerEnv): BrokerSet {
  const name = env.BROKER_NAME ?? 'rabbit';
  if (env.RABBITMQ_HOSTS) {
    const nodes = parseNodes(env.RABBITMQ_HOSTS);
    if (env.BROKER_NODES !== undefined && env.BROKER_NODES !== nodes.length) {
      throw new ConfigError(`invalid configuration: BROKER_NODES=${env.BROKER_NODES} but RABBITMQ_HOSTS lists ${nodes.length} nodes`);
    }
    return { name, nodes };
  }
  const count = env.BROKER_NODES ?? 1;
  if (count === 1) return { name, nodes: [{ host: env.RABBITMQ_HOST, port: env.RABBITMQ_STREAM_PORT }] };
  const offset = env.BROKER_PORT_OFFSET ?? (name === 'rabbit' ? 0 : 100);
  return { name, nodes: Array.from({ length: count }, (_, i) => ({ host: '127.0.0.1', port: 5552 + offset + i })) };
}

export function isCluster(set: BrokerSet): boolean {
  return set.nodes.length > 1;
}

/** The Erlang node name of node k (1-based), as scripts/infra/rabbitmq.sh names it. */
export function nodeName(set: BrokerSet, k: number): string {
  return set.name === 'rabbit' && k === 1 ? 'rabbit@localhost' : `${set.name}${k}@localhost`;
}

/** The node (1-based) whose stream endpoint this is (the broker advertises host and port), if any. */
export function nodeOf(set: BrokerSet, endpoint: { host: string; port: number }): number | undefined {
  const index = set.nodes.findIndex((node) => node.port === endpoint.port && (node.host === endpoint.host || (isLoopback(node.host) && isLoopback(endpoint.host))));
  return index < 0 ? undefined : index + 1;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
