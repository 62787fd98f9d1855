import { defineConfig } from 'vitest/config';

// The e2e suite talks to the running system (make dependencies): one file at a time, in order.
export default defineConfig({
  test: {
    include: ['test/**/*.e2e.test.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['verbose'],
  },
});
