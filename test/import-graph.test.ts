import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../src/runtime/paths.js';
import { importsAcross } from './support/import-graph.js';

// The services know nothing of how they are verified: they serve their states
// over HTTP, and meshpact reaches them there. And meshpact knows no service:
// it starts them by the manifest's commands, so no file of src/ (tests
// included) imports providers/.

describe('the import graph', () => {
  it('has no file under providers/ importing src/verify', () => {
    expect(importsAcross(packageRoot(), 'providers', 'src/verify')).toEqual([]);
  });

  it('has no file under src/ importing providers/', () => {
    expect(importsAcross(packageRoot(), 'src', 'providers')).toEqual([]);
  });

  it('finds every kind of import across the line', () => {
    const root = mkdtempSync(join(tmpdir(), 'meshpact-imports-'));
    try {
      mkdirSync(join(root, 'providers/shop'), { recursive: true });
      mkdirSync(join(root, 'src/verify'), { recursive: true });
      writeFileSync(
        join(root, 'providers/shop/states.ts'),
        [
          "import { a } from '../../src/verify/states.js';",
          "import type { B } from '../../src/verify/types.js';",
          "export { c } from '../../src/verify/index.js';",
          "const d = await import('../../src/verify/late.js');",
          "import { e } from '../../src/verifyish/other.js';",
          "import { f } from './own.js';",
        ].join('\n'),
      );
      expect(importsAcross(root, 'providers', 'src/verify')).toEqual(
        [
          '../../src/verify/states.js',
          '../../src/verify/types.js',
          '../../src/verify/index.js',
          '../../src/verify/late.js',
        ].map((specifier) => ({ file: 'providers/shop/states.ts', specifier })),
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
