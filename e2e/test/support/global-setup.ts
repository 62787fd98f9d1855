import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ConfigError } from '@demo/service-kit/config';
import { readE2eSettings } from './settings.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Unique per run: in every email the suite uses, so runs never collide on the same databases. */
    runId: string;
    /** Where each test file appends the ids of the customers it created (checked by consistency.e2e.test.ts). */
    createdCustomersFile: string;
  }
}

export default function setup(project: TestProject) {
  // A bad setting stops the run here, once, in one line naming the variable, before any test talks to the system.
  try {
    readE2eSettings();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`e2e: ${error.message}`);
    process.exit(2);
  }
  const runId = `${Date.now().toString(36)}-${randomUUID().slice(0, 6)}`;
  const createdCustomersFile = join(tmpdir(), `e2e-${runId}-customers.txt`);
  project.provide('runId', runId);
  project.provide('createdCustomersFile', createdCustomersFile);
  console.log(`e2e run ${runId}: customers created by the suite are listed in ${createdCustomersFile}`);
  return async () => {
    await rm(createdCustomersFile, { force: true });
  };
}
