import { histogramQuantile, type Sample } from './prometheus.js';
import { intervalHistogram, scrapeAll } from './sampler.js';
import type { ServiceRef } from './services.js';

/**
 * One write path's group-commit statements during a phase (the services' group_commit_* histograms,
 * labelled `statement`): a request's time on it is about the first request's wait plus the statement.
 */
export interface GroupCommitFigures {
  statement: string;
  statements: number;
  requests: number;
  /** Statements that carried a single request, as a share of all. */
  singleShare: number;
  waitMeanMs: number;
  statementMeanMs: number;
  statementP99Ms?: number;
}

type Scrapes = Map<string, Sample[] | undefined>;

/** What each statement label did between two scrapes of every service, summed over the services. Pure. */
export function groupCommitFigures(before: Scrapes, after: Scrapes): GroupCommitFigures[] {
  const labels = new Set<string>();
  for (const samples of after.values()) {
    for (const sample of samples ?? []) {
      if (sample.name === 'group_commit_batch_size_count' && sample.labels.statement) labels.add(sample.labels.statement);
    }
  }
  const figures: GroupCommitFigures[] = [];
  for (const statement of [...labels].sort()) {
    const where = { statement };
    const size = intervalHistogram('group_commit_batch_size', after, before, where);
    const wait = intervalHistogram('group_commit_wait_seconds', after, before, where);
    const ran = intervalHistogram('group_commit_statement_seconds', after, before, where);
    if (!size || size.count <= 0 || !wait || !ran) continue;
    const single = size.buckets.find((bucket) => bucket.le === 1)?.count ?? 0;
    const p99 = histogramQuantile(ran, 0.99);
    figures.push({
      statement,
      statements: size.count,
      requests: size.sum,
      singleShare: single / size.count,
      waitMeanMs: (wait.sum / wait.count) * 1000,
      statementMeanMs: (ran.sum / ran.count) * 1000,
      statementP99Ms: p99 === undefined ? undefined : p99 * 1000,
    });
  }
  return figures;
}

/** Runs a phase between two scrapes of every service; its group-commit figures (none when the services had no metrics). */
export async function withGroupCommits<T>(services: readonly ServiceRef[], run: () => Promise<T>): Promise<{ result: T; groupCommits: GroupCommitFigures[] }> {
  const before = await scrapeAll(services);
  const result = await run();
  const after = await scrapeAll(services);
  return { result, groupCommits: groupCommitFigures(before, after) };
}
