import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { formatIssues } from '../schemas/registry.js';
import { schemaFileCheck } from '../schemas/schema-file.js';
import { InteractionSchemas } from './interaction-schemas.js';
import type { Mesh } from './mesh-model.js';

export interface MeshSchemasReport {
  /** The schema files the mesh names, each compiled. */
  schemas: number;
  /** The `examples` of those schemas, each checked against its schema. */
  examples: number;
  /** One line per schema that does not compile or example that breaks it. */
  problems: string[];
}

/**
 * The schemas a mesh's contracts are checked by, checked themselves before
 * any contract is: every body schema its providers' OpenAPI documents
 * reference and every WebSocket frame schema it names must compile, and each
 * example a schema carries must match it. A mesh that names no schema has
 * none to check.
 */
export function checkMeshSchemas(mesh: Mesh): MeshSchemasReport {
  const operations = new InteractionSchemas(mesh);
  const files = new Set<string>();
  for (const pacticipant of mesh.pacticipants.values()) {
    for (const file of operations.files(pacticipant.name)) files.add(file);
    if (pacticipant.ws?.frameSchema) files.add(pacticipant.ws.frameSchema);
    if (pacticipant.ws?.clientFrameSchema) files.add(pacticipant.ws.clientFrameSchema);
  }
  const report: MeshSchemasReport = { schemas: 0, examples: 0, problems: [] };
  for (const file of [...files].sort()) {
    const name = relative(mesh.root, file);
    let check;
    try {
      check = schemaFileCheck(file);
    } catch (error) {
      report.problems.push(`${name}: ${(error as Error).message}`);
      continue;
    }
    report.schemas += 1;
    const { examples } = JSON.parse(readFileSync(file, 'utf8')) as { examples?: unknown };
    (Array.isArray(examples) ? examples : []).forEach((example, index) => {
      report.examples += 1;
      const issues = check(example);
      if (issues.length > 0)
        report.problems.push(`${name} examples[${index}]: ${formatIssues(issues)}`);
    });
  }
  return report;
}
