import { freePort, ServiceProcess } from '@demo/test-support';

/** What an instance says of itself on GET /health. */
export interface ConsumerStatus {
  role: string;
  applied_offset: string | null;
}

/** Starts a real order-service process; at debug level its log tells the batches it applied. */
export async function startOrderProcess(name: string, env: Record<string, string>, logLevel = 'debug'): Promise<ServiceProcess> {
  return new ServiceProcess('order-service', name, await freePort(), { LOG_LEVEL: logLevel, ...env }).start();
}

/** The role and applied offset of an instance, or undefined when it does not answer. */
export async function consumerStatus(instance: ServiceProcess): Promise<ConsumerStatus | undefined> {
  return (await instance.get<ConsumerStatus>('/health'))?.body;
}

export interface AppliedRange {
  instance: string;
  from: bigint;
  to: bigint;
}

/** Batches an instance committed, from its debug log lines. */
export function appliedRanges(instance: ServiceProcess): AppliedRange[] {
  return instance.lines
    .filter((line) => line.msg === 'batch applied')
    .map((line) => ({ instance: instance.name, from: BigInt(line.from as string), to: BigInt(line.to as string) }));
}

/** Pairs of committed batches (of any instances) that cover the same offset: none is allowed. */
export function overlaps(ranges: AppliedRange[]): AppliedRange[][] {
  const sorted = [...ranges].sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
  const bad: AppliedRange[][] = [];
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.from <= sorted[i - 1]!.to) bad.push([sorted[i - 1]!, sorted[i]!]);
  }
  return bad;
}
