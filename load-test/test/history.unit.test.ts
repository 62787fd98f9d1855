import { describe, expect, it } from 'vitest';
import { compareWithHistory } from '../src/report/history.js';
import type { LoadReport } from '../src/report/types.js';

const run = (createPerS: number, p99: number) => ({ settings: { n: 1000 }, create: { perS: createPerS, latencyMs: { p99 } } }) as unknown as LoadReport;
const earlier = (...runs: LoadReport[]) => runs.map((report, i) => ({ file: `load-${i}.json`, report }));

describe('compareWithHistory', () => {
  it('says what moved beyond the noise measured between earlier runs, and in which direction', () => {
    // Given earlier runs whose create rate moved by at most 10% between two consecutive ones, and latency by 2%
    const history = earlier(run(1000, 10), run(1100, 10.2), run(1050, 10));
    // When this run is 30% faster with a 50% higher p99
    const comparison = compareWithHistory(run(1365, 15), history);
    // Then
    expect(comparison.previous).toBe('load-2.json');
    expect(comparison.noiseFrom).toEqual({ runs: 3, assumed: false });
    const byName = Object.fromEntries(comparison.changes.map((c) => [c.name, c]));
    expect(byName['create throughput']).toMatchObject({ previous: 1050, current: 1365, verdict: 'better' });
    expect(byName['create throughput']!.noise).toBeCloseTo(0.1);
    expect(byName['create p99']).toMatchObject({ verdict: 'worse' });
  });

  it('keeps a change inside the noise, with a floor of 5% and 20% assumed without two earlier runs', () => {
    expect(compareWithHistory(run(1040, 10), earlier(run(1000, 10), run(1000, 10))).changes[0]).toMatchObject({ noise: 0.05, verdict: 'within noise' });
    expect(compareWithHistory(run(1150, 10), earlier(run(1000, 10)))).toMatchObject({ noiseFrom: { runs: 1, assumed: true }, changes: [{ noise: 0.2, verdict: 'within noise' }, {}] });
    expect(compareWithHistory(run(1000, 10), [])).toEqual({ noiseFrom: { runs: 0, assumed: true }, changes: [] });
    // a figure the earlier runs did not report in two consecutive runs: its noise is assumed, not the floor
    const withoutP99 = (perS: number) => ({ settings: { n: 1000 }, create: { perS } }) as unknown as LoadReport;
    const partial = compareWithHistory(run(1000, 11.5), earlier(withoutP99(1000), withoutP99(1000), run(1000, 10)));
    expect(partial.changes.find((c) => c.name === 'create p99')).toMatchObject({ noise: 0.2, noiseAssumed: true, verdict: 'within noise' });
  });
});
