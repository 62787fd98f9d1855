/**
 * The stream's members as the broker reports them over the stream protocol (a metadata query, as
 * every client makes): which node leads it and which hold a replica. One connection per node, all
 * asked at once, the first answer taken: a dead or frozen node does not delay the answer, so that
 * an election can be timed to a few tens of milliseconds (scripts/infra.sh stream-leader starts an
 * Erlang VM for each answer).
 */
import { withTimeout } from '@demo/async';
import { createStreamConnection, type StreamConnection } from '@demo/stream';
import type { Settings } from './settings.js';
import { nodeOf } from './topology.js';

export interface StreamMembers {
  /** The node (1-based) of the leader; undefined while there is none (an election). */
  leader: number | undefined;
  /** Nodes with a replica the broker deems available (the leader not included). */
  replicas: number[];
}

export interface BrokerProbe {
  members(): Promise<StreamMembers>;
  close(): Promise<void>;
}

const ANSWER_TIMEOUT_MS = 1_000;
/**
 * For a connection to be opened (the first question, or after its node restarted). Longer than an answer: on a
 * machine whose cores are all busy (make test runs three systems at once) a handshake with a node took over a
 * second, and with every connection still opening, the first question failed at once. A dead node's connection
 * delays nothing: the first answer of another is taken.
 */
const CONNECT_TIMEOUT_MS = 10_000;

export function openBrokerProbe(settings: Settings): BrokerProbe {
  let connections: StreamConnection[] | undefined;
  const open = () =>
    settings.broker.nodes.map((node, index) => {
      const connection = createStreamConnection({
        host: node.host,
        port: node.port,
        user: settings.stream.user,
        password: settings.stream.password,
        vhost: settings.stream.vhost,
        ...(settings.stream.tls ? { tls: settings.stream.tls } : {}),
        connectionName: `reliability-probe-${index + 1}-${process.pid}`,
        connectTimeoutMs: CONNECT_TIMEOUT_MS,
      });
      connection.start();
      return connection;
    });

  async function ask(connection: StreamConnection): Promise<StreamMembers> {
    const client = await withTimeout(connection.ready(), CONNECT_TIMEOUT_MS, 'stream connection');
    const [metadata] = await withTimeout(client.queryMetadata({ streams: [settings.stream.streams[0]!] }), ANSWER_TIMEOUT_MS, 'metadata query');
    const leader = metadata?.leader && metadata.leader.port > 0 ? nodeOf(settings.broker, metadata.leader) : undefined;
    const replicas = (metadata?.replicas ?? []).map((replica) => nodeOf(settings.broker, replica)).filter((node): node is number => node !== undefined);
    return { leader, replicas: replicas.filter((node) => node !== leader).sort() };
  }

  return {
    async members() {
      connections ??= open();
      return Promise.any(connections.map(ask));
    },
    async close() {
      await Promise.all((connections ?? []).map((connection) => connection.close()));
    },
  };
}
