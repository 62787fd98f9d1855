/**
 * `rabbitmq-streams restart_stream` under load: what the broker does to a stream when its leader
 * moves (on one node as on a cluster). Every member restarts and a leader is elected again; the
 * clients get a metadata update, lose their publishers and consumers, and must declare them again.
 * Recovery = from the command to the first event the broker confirmed after the election.
 */
import type { Fault, FaultOutcome } from './fault.js';
import { awaitStreamRecovery, describeRecovery, describeStalls, watchElection } from './stream-recovery.js';

export const restartStream: Fault = {
  name: 'restart-stream',
  async inject(context): Promise<FaultOutcome> {
    const { system, broker, log } = context;
    const stream = system.settings.stream.streams[0]!; // on a super stream, its first partition
    const before = await broker.members();
    const start = performance.now();
    await system.script('infra.sh', 'restart-stream', stream);
    const commandMs = Math.round(performance.now() - start);
    log(`restarted stream ${stream} (leader was node ${before.leader}; the command took ${commandMs} ms)`);
    const recovery = await awaitStreamRecovery(context, start, watchElection(context));
    log(describeRecovery(recovery));
    return {
      injected: `restart_stream ${stream}`,
      recoveryMs: recovery.publishedMs,
      details: [
        `leader node ${before.leader} → node ${recovery.leader}; the command (an Erlang CLI) took ${commandMs} ms`,
        `first publish confirmed ${recovery.publishedMs} ms, first event applied ${recovery.appliedMs} ms, healthy ${recovery.healthyMs} ms after the command started`,
        describeStalls(context, start),
      ],
      problems: [],
      window: { start, end: performance.now() },
    };
  },
};
