import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { TimePoint } from '../sampler.js';

interface Series {
  field: keyof TimePoint;
  label: string;
}

/** A vega-lite line chart of some per-second series over the run's time (long format, one line per series). */
export function lineChartSpec(title: string, yTitle: string, points: readonly TimePoint[], series: readonly Series[]): TopLevelSpec {
  const values = points.flatMap((point) =>
    series.flatMap(({ field, label }) => {
      const value = point[field];
      return typeof value === 'number' && Number.isFinite(value) ? [{ t: point.tS, series: label, value, phase: point.phase }] : [];
    }),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 720,
    height: 220,
    data: { values },
    mark: { type: 'line', point: values.length < 40, interpolate: 'monotone' },
    encoding: {
      x: { field: 't', type: 'quantitative', title: 'seconds since start' },
      y: { field: 'value', type: 'quantitative', title: yTitle },
      color: { field: 'series', type: 'nominal', title: null, sort: series.map((s) => s.label) },
    },
  };
}

export function chartSpecs(points: readonly TimePoint[]): Array<{ name: string; spec: TopLevelSpec }> {
  const services = [...new Set(points.flatMap((point) => Object.keys(point.rssMb)))];
  const memory = points.map((point) => ({ ...point, ...Object.fromEntries(services.map((s) => [`rss:${s}`, point.rssMb[s]])) }));
  return [
    {
      name: 'throughput',
      spec: lineChartSpec('Throughput (acknowledged requests per second)', 'requests/s', points, [
        { field: 'createsPerS', label: 'creates/s' },
        { field: 'updatesPerS', label: 'updates/s' },
        { field: 'ordersPerS', label: 'orders/s' },
      ]),
    },
    {
      name: 'lag',
      spec: lineChartSpec('Lag per second (from the services\u2019 histograms)', 'milliseconds', points, [
        { field: 'replicationLagP50Ms', label: 'replication lag p50' },
        { field: 'replicationLagP99Ms', label: 'replication lag p99' },
        { field: 'outboxLagP99Ms', label: 'outbox publish lag p99' },
      ]),
    },
    {
      name: 'memory',
      spec: lineChartSpec(
        'Resident memory per process',
        'MB',
        memory as unknown as TimePoint[],
        services.map((s) => ({ field: `rss:${s}` as keyof TimePoint, label: s })),
      ),
    },
  ];
}

/** vega-lite → vega → SVG, headless (no canvas needed for SVG). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
