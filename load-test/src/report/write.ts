import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { chartSpecs, renderSvg } from './charts.js';
import { renderMarkdown } from './markdown.js';
import type { LoadReport } from './types.js';

export function stamp(date: Date): string {
  return date.toISOString().replace(/[:.]/g, '-').replace('T', '_').slice(0, 19);
}

/** results/load-<stamp>.json, .md and the SVG charts the .md shows. Returns the paths written. */
export async function writeReport(dir: string, report: LoadReport, when: Date): Promise<{ json: string; markdown: string }> {
  await mkdir(dir, { recursive: true });
  const base = `load-${stamp(when)}`;
  report.charts = [];
  for (const { name, spec } of chartSpecs(report.timeline)) {
    try {
      const file = `${base}-${name}.svg`;
      await writeFile(path.join(dir, file), await renderSvg(spec));
      report.charts.push(file);
    } catch (error) {
      console.error(`load-test: chart ${name} not rendered: ${(error as Error).message}`);
    }
  }
  const json = path.join(dir, `${base}.json`);
  const markdown = path.join(dir, `${base}.md`);
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(markdown, renderMarkdown(report));
  return { json, markdown };
}
