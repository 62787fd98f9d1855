import { describe, expect, it } from 'vitest';
import { createBatchPump, type StreamMessage } from '../src/batch-pump.js';
import { silentLogger } from '../src/logger.js';

const message = (offset: number): StreamMessage => ({ offset: BigInt(offset), body: Buffer.from(`${offset}`), annotations: {} });
const offsets = (batch: StreamMessage[]) => batch.map((m) => Number(m.offset));
const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean, what: string) {
  for (let i = 0; i < 400; i++) {
    if (check()) return;
    await tick();
  }
  throw new Error(`${what} not reached`);
}

describe('batch pump', () => {
  it('hands over consecutive batches of at most maxBatchSize, in offset order', async () => {
    // Given a pump of batches of 4
    const batches: number[][] = [];
    const pump = createBatchPump({ maxBatchSize: 4, handleBatch: async (batch) => void batches.push(offsets(batch)), logger: silentLogger });
    // When 10 messages arrive out of order
    for (const offset of [0, 1, 2, 5, 3, 4, 6, 7, 9, 8]) pump.push(message(offset));
    // Then every message is handed over once, in order, in batches of at most 4
    await until(() => batches.flat().length === 10, 'all handed over');
    expect(batches.flat()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(4);
    expect(Number(pump.lastHandledOffset)).toBe(9);
  });

  it('cuts no batch while a chunk is half delivered', async () => {
    // Given a subscription's chunk hooks and a chunk whose delivery started
    const batches: number[][] = [];
    const pump = createBatchPump({ maxBatchSize: 100, handleBatch: async (batch) => void batches.push(offsets(batch)), logger: silentLogger });
    const hooks = pump.chunkHooks();
    const chunk = {};
    hooks.started(chunk);
    // When half of it arrives
    for (let offset = 0; offset < 5; offset++) pump.push(message(offset));
    await tick(30);
    // Then nothing is handed over until the chunk is complete, and then it is one batch
    expect(batches).toEqual([]);
    for (let offset = 5; offset < 10; offset++) pump.push(message(offset));
    hooks.completed(chunk);
    await until(() => batches.length > 0, 'the batch');
    expect(batches).toEqual([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]]);
  });

  it('retries a failing batch, the same batch, and prepares batches ahead for the right messages', async () => {
    // Given a handler that fails twice and a preparation step
    const applied: number[] = [];
    const mismatches: string[] = [];
    let failures = 2;
    const pump = createBatchPump<string>({
      maxBatchSize: 3,
      prepareBatch: (batch) => offsets(batch).join(','),
      handleBatch: async (batch, prepared) => {
        if (prepared !== offsets(batch).join(',')) mismatches.push(`${offsets(batch).join(',')} got ${prepared}`);
        if (failures-- > 0) throw new Error('database blip');
        applied.push(...offsets(batch));
      },
      logger: silentLogger,
    });
    // When 9 messages arrive
    for (let offset = 0; offset < 9; offset++) pump.push(message(offset));
    // Then all are applied once, in order, each batch with its own preparation
    await until(() => applied.length === 9, 'all applied');
    expect(applied).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(mismatches).toEqual([]);
  });

  it('after a reset, ignores the batch in hand and drops what was buffered', async () => {
    // Given a batch in hand that is slow to apply
    const applied: number[] = [];
    let release: () => void = () => undefined;
    const pump = createBatchPump({
      maxBatchSize: 2,
      handleBatch: async (batch) => {
        if (Number(batch[0]!.offset) === 0) await new Promise<void>((resolve) => (release = resolve));
        applied.push(...offsets(batch));
      },
      logger: silentLogger,
    });
    for (let offset = 0; offset < 6; offset++) pump.push(message(offset));
    await tick(20);
    // When the pump is reset (a change of role) and the batch in hand then completes
    pump.reset();
    release();
    await tick(30);
    // Then nothing after it is handed over, and the pump accepts anew from where it is told
    expect(applied).toEqual([0, 1]);
    pump.push(message(10));
    await until(() => applied.includes(10), 'new message');
    expect(applied).toEqual([0, 1, 10]);
  });

  it('holds back credit while the buffer is above four batches, until it drains', async () => {
    // Given a pump whose handler is blocked
    let release: () => void = () => undefined;
    const pump = createBatchPump({
      maxBatchSize: 2,
      handleBatch: () => new Promise<void>((resolve) => (release = resolve)),
      logger: silentLogger,
    });
    const hooks = pump.chunkHooks();
    // When 8 messages (4 batches) are buffered
    for (let offset = 0; offset < 8; offset++) pump.push(message(offset));
    await tick(10);
    let room = false;
    const waiting = hooks.waitForRoom().then(() => (room = true));
    await tick(20);
    // Then there is no room until batches are applied
    expect(room).toBe(false);
    release();
    await waiting;
    expect(room).toBe(true);
    const closing = pump.close();
    release(); // the batch in hand settles: close() waits for it
    await closing;
  });
});
