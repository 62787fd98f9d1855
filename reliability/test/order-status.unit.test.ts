import { describe, expect, it } from 'vitest';
import { appliedProgress, consumerOf, everyStreamHeldOnce, type OrderStatus } from '../src/system.js';

const status = (instance: OrderStatus['instance'], json: unknown, stream = 'customer'): OrderStatus => ({
  instance,
  reachable: true,
  down: [],
  ...consumerOf(json, stream),
});

describe('an order instance\'s /ready answer', () => {
  it('on a plain stream: the active instance holds the stream, and its applied offset is its progress', () => {
    expect(consumerOf({ role: 'active', applied_offset: '41' }, 'customer')).toEqual({
      role: 'active',
      appliedOffset: 41,
      holds: ['customer'],
      applied: { customer: 41 },
      progress: 41,
    });
    expect(consumerOf({ role: 'standby', applied_offset: null }, 'customer')).toMatchObject({ holds: [], applied: {}, progress: undefined });
  });

  it('on a super stream: the partitions it is active on, each partition\'s offset', () => {
    const partitions = [
      { stream: 'customer-0', role: 'active', applied_offset: '10' },
      { stream: 'customer-1', role: 'standby', applied_offset: '3' },
      { stream: 'customer-2', role: 'active', applied_offset: null },
    ];
    expect(consumerOf({ role: 'active', applied_offset: null, partitions }, 'customer')).toEqual({
      role: 'active',
      holds: ['customer-0', 'customer-2'],
      applied: { 'customer-0': 10, 'customer-1': 3 },
      progress: 13,
    });
  });
});

describe('everyStreamHeldOnce', () => {
  const streams = ['c-0', 'c-1', 'c-2'];
  const holding = (instance: OrderStatus['instance'], ...held: string[]) =>
    status(instance, { role: held.length > 0 ? 'active' : 'standby', partitions: streams.map((stream) => ({ stream, role: held.includes(stream) ? 'active' : 'standby', applied_offset: null })) });

  it('is true when each partition has exactly one active consumer', () => {
    expect(everyStreamHeldOnce([holding('order-1', 'c-0', 'c-2'), holding('order-2', 'c-1')], streams)).toBe(true);
  });

  it('is false when a partition has none, or two', () => {
    expect(everyStreamHeldOnce([holding('order-1', 'c-0'), holding('order-2', 'c-1')], streams)).toBe(false);
    expect(everyStreamHeldOnce([holding('order-1', 'c-0', 'c-1', 'c-2'), holding('order-2', 'c-1')], streams)).toBe(false);
  });

  it('on a plain stream: exactly one active instance', () => {
    expect(everyStreamHeldOnce([status('order-1', { role: 'active' }), status('order-2', { role: 'standby' })], ['customer'])).toBe(true);
    expect(everyStreamHeldOnce([status('order-1', { role: 'active' }), status('order-2', { role: 'active' })], ['customer'])).toBe(false);
  });
});

describe('appliedProgress', () => {
  it('sums, over the partitions, the highest offset any instance reports (a standby\'s stale view does not count twice)', () => {
    const one = status('order-1', { role: 'active', partitions: [{ stream: 'c-0', role: 'active', applied_offset: '10' }, { stream: 'c-1', role: 'standby', applied_offset: '2' }] });
    const two = status('order-2', { role: 'active', partitions: [{ stream: 'c-0', role: 'standby', applied_offset: '8' }, { stream: 'c-1', role: 'active', applied_offset: '5' }] });
    expect(appliedProgress([one, two])).toBe(15);
    expect(appliedProgress([status('order-1', { role: 'standby', applied_offset: null })])).toBeUndefined();
  });
});
