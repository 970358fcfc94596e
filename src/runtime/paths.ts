import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/**
 * The meshpact package root (where package.json, schemas/ and contracts/ live).
 * Found by walking up, because this file runs both from src/ (tests, tsx) and
 * from dist/src/ (the built CLI), at different depths.
 */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string };
      if (name === 'meshpact') return (root = dir);
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('meshpact: cannot find the package root (package.json)');
    dir = parent;
  }
}

export function packageVersion(): string {
  const manifest = join(packageRoot(), 'package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}
