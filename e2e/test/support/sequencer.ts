import { basename } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Runs the files in the order of the story they tell, consistency last (it checks every customer the
 * others created); files not listed run in name order before it.
 */
const ORDER = [
  'health',
  'story',
  'customer-api',
  'deletion',
  'single-active',
  'metrics',
  'failover',
  'consistency',
];

function rank(spec: TestSpecification): number {
  const name = basename(spec.moduleId).replace(/\.e2e\.test\.ts$/, '');
  const index = ORDER.indexOf(name);
  if (index >= 0) return index;
  return ORDER.length - 1.5; // unknown files: after the listed ones, before consistency
}

export class StoryOrderSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return [...files].sort((a, b) => rank(a) - rank(b) || a.moduleId.localeCompare(b.moduleId));
  }
}
