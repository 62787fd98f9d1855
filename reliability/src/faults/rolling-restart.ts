/**
 * A rolling restart of the cluster under load, as an operator upgrades it: each node in turn is
 * stopped cleanly, started again, and must hold its replica of the stream again before the next
 * one goes. The leader moves at least once (when its node stops). Recovery = the worst, over the
 * nodes, of the time from a node's stop to the first event the broker confirmed afterwards.
 */
import type { Fault, FaultContext, FaultOutcome } from './fault.js';
import { awaitStreamRecovery, describeStalls, rejoin, watchElection } from './stream-recovery.js';

interface NodeRestart {
  node: number;
  wasLeader: boolean;
  publishedMs: number;
  appliedMs: number;
  healthyMs: number;
  rejoinMs: number;
  stalls: string;
}

async function restartNode(context: FaultContext, node: number): Promise<NodeRestart> {
  const { system, broker, log } = context;
  const before = await broker.members();
  const wasLeader = before.leader === node;
  const start = performance.now();
  const election = wasLeader ? watchElection(context, node) : undefined;
  await system.script('infra.sh', 'rabbitmq-stop', String(node));
  log(`node ${node} stopped (${wasLeader ? 'the stream leader' : `a follower; leader node ${before.leader}`}) in ${Math.round(performance.now() - start)} ms`);
  const recovery = await awaitStreamRecovery(context, start, election ?? watchElection(context));
  const stalls = describeStalls(context, start);
  const rejoinMs = await rejoin(context, node);
  log(`node ${node}: leader node ${recovery.leader}, first publish confirmed ${recovery.publishedMs} ms after the stop; back with its replica ${rejoinMs} ms after its start`);
  return { node, wasLeader, publishedMs: recovery.publishedMs, appliedMs: recovery.appliedMs, healthyMs: recovery.healthyMs, rejoinMs, stalls };
}

export const rollingRestart: Fault = {
  name: 'rolling-restart',
  async inject(context): Promise<FaultOutcome> {
    const start = performance.now();
    const restarts: NodeRestart[] = [];
    for (const [index] of context.system.settings.broker.nodes.entries()) restarts.push(await restartNode(context, index + 1));
    return {
      injected: `rolling restart of nodes ${restarts.map((r) => r.node).join(', ')}`,
      recoveryMs: Math.max(...restarts.map((r) => r.publishedMs)),
      details: restarts.map(
        (r) =>
          `node ${r.node}${r.wasLeader ? ' (leader)' : ''}: first publish confirmed ${r.publishedMs} ms, first event applied ${r.appliedMs} ms, healthy ${r.healthyMs} ms after its stop; ${r.stalls}; back ${r.rejoinMs} ms after its start`,
      ),
      problems: restarts.some((r) => r.wasLeader) ? [] : ['no node stopped was the stream leader: the leader never moved'],
      window: { start, end: performance.now() },
    };
  },
};
