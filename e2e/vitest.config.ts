import { defineConfig } from 'vitest/config';
import { StoryOrderSequencer } from './test/support/sequencer.js';

// The e2e suite talks to the running system (make dependencies): one file at a time, in the order of
// StoryOrderSequencer (the consistency check of every customer the suite created comes last).
export default defineConfig({
  test: {
    include: ['test/**/*.e2e.test.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 90_000,
    reporters: ['verbose'],
    globalSetup: ['test/support/global-setup.ts'],
    sequence: { sequencer: StoryOrderSequencer },
  },
});
