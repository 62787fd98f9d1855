import { get } from './http.js';

export type Labels = Record<string, string>;

export interface Sample {
  name: string;
  labels: Labels;
  value: number;
}

/** One scrape of a service's GET /metrics. */
export class Metrics {
  constructor(readonly samples: Sample[]) {}

  /** Sum of every series of `name` whose labels include `labels` (0 when there is none). */
  sum(name: string, labels: Labels = {}): number {
    return this.matching(name, labels).reduce((total, sample) => total + sample.value, 0);
  }

  /** Sum of every series of `name` whose labels satisfy `predicate`. */
  sumWhere(name: string, predicate: (labels: Labels) => boolean): number {
    return this.samples
      .filter((sample) => sample.name === name && predicate(sample.labels))
      .reduce((total, sample) => total + sample.value, 0);
  }

  /** Whether at least one series of `name` (with these labels) is exposed. */
  has(name: string, labels: Labels = {}): boolean {
    return this.matching(name, labels).length > 0;
  }

  matching(name: string, labels: Labels = {}): Sample[] {
    return this.samples.filter(
      (sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
    );
  }
}

export async function scrape(baseUrl: string): Promise<Metrics> {
  const response = await get(`${baseUrl}/metrics`);
  if (response.status !== 200) throw new Error(`GET ${baseUrl}/metrics answered ${response.status}`);
  return new Metrics(parsePrometheusText(response.text));
}

/** Sum over several services' scrapes (e.g. both order-service instances). */
export function sumOver(scrapes: Metrics[], name: string, labels: Labels = {}): number {
  return scrapes.reduce((total, metrics) => total + metrics.sum(name, labels), 0);
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** The Prometheus text exposition format (0.0.4), enough of it for prom-client's output. */
export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const match = SAMPLE_LINE.exec(trimmed);
    if (!match) throw new Error(`unparseable metrics line: ${trimmed}`);
    const [, name, labelText, valueText] = match;
    const labels: Labels = {};
    for (const [, key, value] of (labelText ?? '').matchAll(LABEL)) {
      labels[key!] = value!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    }
    samples.push({ name: name!, labels, value: parseValue(valueText!) });
  }
  return samples;
}

function parseValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}
