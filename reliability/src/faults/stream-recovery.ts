/**
 * What the broker faults measure after they strike at `start`: the stream's leader elected again,
 * the first event the broker confirmed to the relay and the first event applied to the replica
 * after that, and the system healthy; then the longest publish and apply stalls around the fault.
 */
import { pollUntil } from '../poll.js';
import type { FaultContext } from './fault.js';

const RECOVERY_TIMEOUT_MS = 90_000;

export interface StreamRecovery {
  /** The leader after the fault, and when it was first seen (ms after `start`). */
  leader: number;
  electedMs: number;
  /** First event confirmed by the broker, then first event applied to the replica, after the election. */
  publishedMs: number;
  appliedMs: number;
  /** Every service ready again, one order instance active. */
  healthyMs: number;
}

export interface Election {
  leader: number;
  /** performance.now() of the first answer that named it. */
  at: number;
}

/**
 * Polls the stream's members until a leader (other than `not`) is reported. Started before a strike
 * that takes the leader away, it times the election (the scripts that strike return later).
 */
export function watchElection(context: FaultContext, not?: number): Promise<Election> {
  const election = pollUntil<Election>(
    async () => {
      const { leader } = await context.broker.members();
      return leader !== undefined && leader !== not ? { leader, at: performance.now() } : undefined;
    },
    { timeoutMs: RECOVERY_TIMEOUT_MS, intervalMs: 25, what: `a stream leader${not ? ` other than node ${not}` : ''}` },
  );
  election.catch(() => undefined); // awaited by awaitStreamRecovery; the strike may fail before that
  return election;
}

/** After a strike at `start`: the election, then publishing and applying again after it, then the system healthy. */
export async function awaitStreamRecovery(context: FaultContext, start: number, election: Promise<Election>): Promise<StreamRecovery> {
  const { monitor, system } = context;
  const { leader, at: elected } = await election;
  const published = await monitor.publishedAfter(elected, RECOVERY_TIMEOUT_MS);
  const applied = await monitor.appliedAfter(elected, RECOVERY_TIMEOUT_MS);
  await pollUntil(() => system.healthy(), { timeoutMs: RECOVERY_TIMEOUT_MS, intervalMs: 50, what: 'the system to be healthy again' });
  const ms = (at: number) => Math.round(at - start);
  return { leader, electedMs: ms(elected), publishedMs: ms(published), appliedMs: ms(applied), healthyMs: ms(performance.now()) };
}

export function describeRecovery(recovery: StreamRecovery): string {
  return `leader node ${recovery.leader} seen at ${recovery.electedMs} ms, first publish confirmed at ${recovery.publishedMs} ms, first event applied at ${recovery.appliedMs} ms, healthy at ${recovery.healthyMs} ms`;
}

/** The longest stalls of publishing and applying that end after `start`, and who was not ready how long, in a few words. */
export function describeStalls(context: FaultContext, start: number): string {
  const { publish, apply } = context.monitor.stallsSince(start);
  const text = (stall: typeof publish) => (stall === undefined ? 'not sampled' : `${Math.round(stall.ms)} ms${stall.to === undefined ? ' (still stalled)' : ''}`);
  const unready = context.monitor.unreadySince(start).map(({ service, ms, down }) => `${service} ${Math.round(ms)} ms (${down.join(', ')})`);
  return `longest stall: publishing ${text(publish)}, applying ${text(apply)}; not ready: ${unready.length > 0 ? unready.join(', ') : 'none'}`;
}

/** Starts a node that a fault stopped, and waits until it holds its replica of the stream again. */
export async function rejoin(context: FaultContext, node: number): Promise<number> {
  const start = performance.now();
  await context.system.script('infra.sh', 'rabbitmq-start', String(node));
  await pollUntil(
    async () => {
      const members = await context.broker.members();
      return members.leader === node || members.replicas.includes(node);
    },
    { timeoutMs: 120_000, intervalMs: 200, what: `node ${node} to hold a member of the stream again` },
  );
  return Math.round(performance.now() - start);
}
