import { ConsumerCreditPolicy, type CreditRequestWrapper } from 'rabbitmq-stream-js-client/dist/consumer_credit_policy.js';

/** What the credit policy tells its consumer, and asks of it. */
export interface ChunkHooks {
  /** A chunk's delivery began (one credit wrapper per delivered chunk identifies it). */
  started(chunk: unknown): void;
  /** Every message of that chunk was handed over. */
  completed(chunk: unknown): void;
  /** Resolves once the consumer's buffer has room for more chunks. */
  waitForRoom(): Promise<void>;
}

/**
 * `inFlight` chunks of credit at subscription, topped up again once half of it is used (in one
 * credit request, not one per chunk: a replay of small chunks would otherwise spend its time in
 * tiny socket writes), and only when the consumer's buffer has room (bounded memory).
 */
export class CreditWhenBuffered extends ConsumerCreditPolicy {
  private outstanding: number;
  private toppingUp = false;

  constructor(
    private readonly inFlight: number,
    private readonly hooks: ChunkHooks,
  ) {
    super(inFlight);
    this.outstanding = inFlight;
  }

  override async onChunkReceived(requestWrapper: CreditRequestWrapper): Promise<void> {
    this.outstanding--;
    this.hooks.started(requestWrapper);
  }

  override async onChunkCompleted(requestWrapper: CreditRequestWrapper): Promise<void> {
    this.hooks.completed(requestWrapper);
    if (this.toppingUp || this.outstanding > this.inFlight / 2) return;
    this.toppingUp = true;
    try {
      await this.hooks.waitForRoom();
      const grant = this.inFlight - this.outstanding;
      this.outstanding += grant;
      await this.requestCredits(requestWrapper, grant);
    } finally {
      this.toppingUp = false;
    }
  }
}
