import { describe, expect, it } from 'vitest';
import { brokerSetOf, isCluster, nodeName, nodeOf } from '../src/topology.js';

const single = { RABBITMQ_HOST: '127.0.0.1', RABBITMQ_STREAM_PORT: 5552 };

describe('the broker set of the system under test', () => {
  it('is one node at RABBITMQ_HOST by default', () => {
    const set = brokerSetOf(single);
    expect(set).toEqual({ name: 'rabbit', nodes: [{ host: '127.0.0.1', port: 5552 }] });
    expect(isCluster(set)).toBe(false);
  });

  it('takes the nodes of RABBITMQ_HOSTS in order, node k at index k - 1', () => {
    const set = brokerSetOf({ ...single, RABBITMQ_HOSTS: '127.0.0.1:5553,127.0.0.1:5552', BROKER_NODES: 2 });
    expect(set.nodes).toEqual([{ host: '127.0.0.1', port: 5553 }, { host: '127.0.0.1', port: 5552 }]);
    expect(isCluster(set)).toBe(true);
  });

  it('derives the ports of a set from BROKER_NODES as scripts/infra/rabbitmq.sh does (offset 0 for rabbit, 100 for another)', () => {
    expect(brokerSetOf({ ...single, BROKER_NODES: 3 }).nodes.map((node) => node.port)).toEqual([5552, 5553, 5554]);
    expect(brokerSetOf({ ...single, BROKER_NAME: 'cluster', BROKER_NODES: 3 }).nodes.map((node) => node.port)).toEqual([5652, 5653, 5654]);
    expect(brokerSetOf({ ...single, BROKER_NAME: 'chaos', BROKER_NODES: 2, BROKER_PORT_OFFSET: 200 }).nodes.map((node) => node.port)).toEqual([5752, 5753]);
  });

  it('names nodes as scripts/infra/rabbitmq.sh does', () => {
    const rabbit = brokerSetOf({ ...single, BROKER_NODES: 3 });
    expect([1, 2, 3].map((k) => nodeName(rabbit, k))).toEqual(['rabbit@localhost', 'rabbit2@localhost', 'rabbit3@localhost']);
    const cluster = brokerSetOf({ ...single, BROKER_NAME: 'cluster', BROKER_NODES: 3 });
    expect(nodeName(cluster, 1)).toBe('cluster1@localhost');
  });

  it('finds the node of an advertised endpoint by its port, loopback names being one host', () => {
    const set = brokerSetOf({ ...single, BROKER_NAME: 'cluster', BROKER_NODES: 3 });
    expect(nodeOf(set, { host: '127.0.0.1', port: 5653 })).toBe(2);
    expect(nodeOf(set, { host: 'localhost', port: 5654 })).toBe(3);
    expect(nodeOf(set, { host: '10.0.0.5', port: 5653 })).toBeUndefined();
    expect(nodeOf(set, { host: '127.0.0.1', port: 5552 })).toBeUndefined();
  });
});
