import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

export interface CrossImport {
  /** The importing file, relative to `root`. */
  file: string;
  specifier: string;
}

/**
 * Every import (static, type-only, dynamic, re-export) in a TypeScript file
 * under `root/from` whose relative specifier resolves into `root/to`.
 */
export function importsAcross(root: string, from: string, to: string): CrossImport[] {
  const target = resolve(root, to);
  const found: CrossImport[] = [];
  for (const file of typescriptFiles(resolve(root, from))) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName: specifier } of importedFiles) {
      if (!specifier.startsWith('.')) continue;
      const imported = resolve(dirname(file), specifier);
      if (imported === target || imported.startsWith(`${target}${sep}`))
        found.push({ file: relative(root, file), specifier });
    }
  }
  return found;
}

function typescriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : typescriptFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}
