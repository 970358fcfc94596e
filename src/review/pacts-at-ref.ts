import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { generatePacts } from '../contracts/generate.js';
import { loadMesh } from '../contracts/mesh.js';
import type { Mesh } from '../contracts/mesh-model.js';
import { readPactFile } from '../contracts/pact-files.js';
import { MeshpactError } from '../errors/meshpact-error.js';
import { stopOnSignal } from '../runtime/process-cleanup.js';
import type { ReviewedPact } from './consumer-impact.js';
import { checkGitRef } from './schema-set.js';

// The pacts of the consumers as they are at a git ref: what a schema change
// must keep working is the consumers already merged, not those of the change
// under review (whose contract tests may themselves fail on the new schemas).
// Their contract tests run in a snapshot of the ref (`git archive` into a
// temporary folder), so the working tree is never touched.

/**
 * Runs the consumers' contract tests of the mesh as it is at `ref`, and reads
 * the pacts they write; `label` names the ref in their sources (a sha given as
 * `ref` reads better as the branch it was resolved from).
 */
export async function pactsAtRef(mesh: Mesh, ref: string, label = ref): Promise<ReviewedPact[]> {
  const commit = checkGitRef(mesh.root, ref);
  const git = (args: string[], cwd: string) =>
    execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30 });
  const top = git(['rev-parse', '--show-toplevel'], mesh.root).toString('utf8').trim();
  const snapshot = mkdtempSync(join(tmpdir(), 'meshpact-review-'));
  const remove = () => rmSync(snapshot, { recursive: true, force: true });
  const release = stopOnSignal(() => Promise.resolve(remove()));
  try {
    execFileSync('tar', ['-x', '-C', snapshot], { input: git(['archive', commit], top) });
    // Installed dependencies are not in git; the tests need them as the working tree has them.
    for (const folder of new Set([top, mesh.root])) {
      const modules = join(folder, 'node_modules');
      const copy = join(snapshot, relative(top, folder), 'node_modules');
      if (existsSync(modules) && !existsSync(copy)) symlinkSync(modules, copy, 'dir');
    }
    const manifest = relative(top, mesh.file);
    if (!existsSync(join(snapshot, manifest)))
      throw new MeshpactError(
        'invalid_usage',
        `${manifest} is not in ${label}, so its consumers cannot write their pacts; give --pact-dir or a broker`,
      );
    const generated = await generatePacts(
      loadMesh(join(snapshot, manifest)),
      join(snapshot, '.meshpact-pacts'),
    );
    return generated.files.map(({ consumer, provider, file }) => ({
      consumer,
      provider,
      source: `${consumer}'s contract tests at ${label}`,
      content: readPactFile(file).content,
    }));
  } finally {
    remove();
    release();
  }
}
