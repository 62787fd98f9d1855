import type { ConsumerRole } from '@demo/stream';

/** What the health routes need, handed to them explicitly by the composition root. */
export interface RouteContext {
  consumerStatus(): { role: ConsumerRole; appliedOffset: bigint | null };
  databaseReachable(): Promise<boolean>;
  streamConnected(): boolean;
}
