import { describe, expect, it } from 'vitest';
import { orderStatusFor } from '../../src/domain/order-status.js';

describe('order status', () => {
  it.each([
    ['unknown', 'Failed'],
    ['1 Main St', 'Processing'],
    ['Unknown', 'Processing'],
  ])('address %j gives %s', (address, status) => {
    expect(orderStatusFor(address)).toBe(status);
  });
});
