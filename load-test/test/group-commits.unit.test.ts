import { describe, expect, it } from 'vitest';
import { groupCommitFigures } from '../src/group-commits.js';
import { parsePrometheus } from '../src/prometheus.js';
import { groupCommitSection } from '../src/report/costs-section.js';
import type { LoadReport } from '../src/report/types.js';

/** One service's group_commit_* series for a statement label, as prom-client writes them. */
function series(statement: string, sizes: number[], waits: number[], runs: number[]): string {
  const histogram = (name: string, bounds: number[], values: number[]) => [
    ...bounds.map((le) => `${name}_bucket{le="${le}",statement="${statement}"} ${values.filter((v) => v <= le).length}`),
    `${name}_bucket{le="+Inf",statement="${statement}"} ${values.length}`,
    `${name}_sum{statement="${statement}"} ${values.reduce((a, b) => a + b, 0)}`,
    `${name}_count{statement="${statement}"} ${values.length}`,
  ];
  const seconds = [0.001, 0.005, 0.01, 0.05];
  return [
    ...histogram('group_commit_batch_size', [1, 2, 4, 8, 16, 32, 64], sizes),
    ...histogram('group_commit_wait_seconds', seconds, waits),
    ...histogram('group_commit_statement_seconds', seconds, runs),
  ].join('\n');
}

describe('group-commit figures of a phase', () => {
  it('diffs two scrapes of every service per statement label, and the report shows them', () => {
    // Given customer-service ran 2 create statements before the phase and 4 more during it
    // (1, 1, 20 and 10 requests), and an order instance 2 order statements during it
    const before = new Map([
      ['customer', parsePrometheus(series('create', [5, 5], [0.001, 0.001], [0.004, 0.004]))],
      ['order-1', parsePrometheus('')],
    ]);
    const after = new Map([
      ['customer', parsePrometheus(series('create', [5, 5, 1, 1, 20, 10], [0.001, 0.001, 0, 0, 0.004, 0.002], [0.004, 0.004, 0.008, 0.008, 0.008, 0.008]))],
      ['order-1', parsePrometheus(series('order', [30, 2], [0.002, 0.002], [0.003, 0.005]))],
    ]);
    // When
    const figures = groupCommitFigures(before, after);
    // Then only the phase's statements count
    expect(figures.map((f) => f.statement)).toEqual(['create', 'order']);
    const create = figures[0]!;
    expect(create).toMatchObject({ statements: 4, requests: 32, singleShare: 0.5 });
    expect(create.waitMeanMs).toBeCloseTo(1.5, 6);
    expect(create.statementMeanMs).toBeCloseTo(8, 6);
    expect(figures[1]).toMatchObject({ statements: 2, requests: 32, singleShare: 0 });
    const section = groupCommitSection({ groupCommits: { create: [create] } } as LoadReport).join('\n');
    expect(section).toContain('| create | create | 4 | 8.0 | 50.0% | 1.5 | 8.0 |');
  });

  it('has nothing to say when the services export no group-commit metrics', () => {
    const none = new Map([['customer', parsePrometheus('http_requests_total 3')]]);
    expect(groupCommitFigures(none, none)).toEqual([]);
    expect(groupCommitSection({} as LoadReport)).toEqual([]);
  });
});
