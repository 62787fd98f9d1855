import { brokerOutage } from './broker-outage.js';
import { closeConnections } from './close-connections.js';
import type { Fault, FaultName } from './fault.js';
import { freezeActiveOrder } from './freeze-active-order.js';
import { killCustomer } from './kill-customer.js';
import { killActiveOrder, sigtermActiveOrder } from './order-failover.js';
import { postgresCrash } from './postgres-crash.js';
import { postgresRestart } from './postgres-restart.js';
import { restartStream } from './restart-stream.js';
import { retentionGap } from './retention-gap.js';
import { rollingRestart } from './rolling-restart.js';
import { killStreamFollower, killStreamLeader } from './stream-node-kill.js';

export const FAULTS: Record<FaultName, Fault> = {
  'kill-active-order': killActiveOrder,
  'sigterm-active-order': sigtermActiveOrder,
  'freeze-active-order': freezeActiveOrder,
  'kill-customer': killCustomer,
  'broker-outage': brokerOutage,
  'restart-stream': restartStream,
  'kill-stream-leader': killStreamLeader,
  'kill-stream-follower': killStreamFollower,
  'rolling-restart': rollingRestart,
  'postgres-restart': postgresRestart,
  'postgres-crash': postgresCrash,
  'close-connections': closeConnections,
  'retention-gap': retentionGap,
};

export { CLUSTER_FAULTS, FAULT_NAMES, faultsFor, isSmallStream, SMALL_STREAM_FAULTS, SMALL_STREAM_MAX_BYTES, type Fault, type FaultContext, type FaultName, type FaultOutcome, type Topology } from './fault.js';
