import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderMeshHtml } from './html.js';
import { renderJunit } from './junit.js';
import type { MeshReport } from './model.js';
import { renderSummary } from './summary.js';

/** The files of reports/, each written whole (to a temp name, then renamed) so none is ever half-written. */
export function writeReports(dir: string, report: MeshReport): string[] {
  mkdirSync(dir, { recursive: true });
  const files: [string, string][] = [
    ['junit.xml', renderJunit(report)],
    ['summary.md', renderSummary(report)],
    ['mesh.html', renderMeshHtml(report)],
    ['report.json', `${JSON.stringify(report, null, 2)}\n`],
  ];
  return files.map(([name, content]) => {
    const path = join(dir, name);
    writeFileSync(`${path}.tmp`, content);
    renameSync(`${path}.tmp`, path);
    return path;
  });
}
