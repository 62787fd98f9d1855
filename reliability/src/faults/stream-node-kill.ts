/**
 * kill -9 of one node of the cluster under load: the stream's leader (the leader moves: the relay's
 * publisher must follow it) or one of its followers (the leader stays; a consumer or connection on
 * that node must move). Recovery = from the kill to the first event the broker confirmed
 * afterwards (after the new leader's election when the leader died). The node is started again
 * and must hold its replica again before the fault ends.
 */
import type { Fault, FaultContext, FaultOutcome } from './fault.js';
import { awaitStreamRecovery, describeRecovery, describeStalls, rejoin, watchElection } from './stream-recovery.js';

async function killNode(context: FaultContext, role: 'leader' | 'follower'): Promise<FaultOutcome> {
  const { system, broker, log } = context;
  const before = await broker.members();
  const victim = role === 'leader' ? before.leader : before.replicas[0];
  if (victim === undefined) throw new Error(`the stream has no ${role} to kill (leader ${before.leader}, replicas ${before.replicas.join(',') || 'none'})`);
  const start = performance.now();
  // Timed from here: the script returns only once the killed process is reaped, up to seconds later.
  const election = watchElection(context, role === 'leader' ? victim : undefined);
  await system.script('infra.sh', 'rabbitmq-kill', String(victim));
  log(`kill -9 node ${victim} (stream ${role}; leader was node ${before.leader}, replicas ${before.replicas.join(', ')})`);
  const recovery = await awaitStreamRecovery(context, start, election);
  log(describeRecovery(recovery));
  const stalls = describeStalls(context, start);
  const rejoinMs = await rejoin(context, victim);
  log(`node ${victim} started again and holds its replica after ${rejoinMs} ms`);
  const problems = role === 'follower' && recovery.leader !== before.leader ? [`the leader moved from node ${before.leader} to node ${recovery.leader} although a follower died`] : [];
  return {
    injected: `kill -9 node ${victim} (stream ${role})`,
    recoveryMs: recovery.publishedMs,
    details: [
      role === 'leader' ? `new leader node ${recovery.leader} after ${recovery.electedMs} ms` : `leader stayed on node ${recovery.leader}`,
      `first publish confirmed ${recovery.publishedMs} ms, first event applied ${recovery.appliedMs} ms, healthy ${recovery.healthyMs} ms after the kill`,
      stalls,
      `node back with its replica ${rejoinMs} ms after its start`,
    ],
    problems,
    window: { start, end: performance.now() },
  };
}

export const killStreamLeader: Fault = {
  name: 'kill-stream-leader',
  inject: (context) => killNode(context, 'leader'),
};

export const killStreamFollower: Fault = {
  name: 'kill-stream-follower',
  inject: (context) => killNode(context, 'follower'),
};
