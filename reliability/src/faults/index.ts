import { brokerOutage } from './broker-outage.js';
import { closeConnections } from './close-connections.js';
import type { Fault, FaultName } from './fault.js';
import { killCustomer } from './kill-customer.js';
import { killActiveOrder, sigtermActiveOrder } from './order-failover.js';
import { postgresRestart } from './postgres-restart.js';

export const FAULTS: Record<FaultName, Fault> = {
  'kill-active-order': killActiveOrder,
  'sigterm-active-order': sigtermActiveOrder,
  'kill-customer': killCustomer,
  'broker-outage': brokerOutage,
  'postgres-restart': postgresRestart,
  'close-connections': closeConnections,
};

export { FAULT_NAMES, type Fault, type FaultContext, type FaultName, type FaultOutcome } from './fault.js';
