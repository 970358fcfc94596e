import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePacts } from '../../src/contracts/generate.js';
import type { Mesh } from '../../src/contracts/mesh-model.js';
import { loadMesh } from '../../src/contracts/mesh.js';
import { readPactFiles } from '../../src/contracts/pact-files.js';
import { buildCli } from '../support/meshpact-process.js';

// The verify project's pacts: written once per jest run, by the consumers'
// own contract tests, into a directory nothing else rewrites meanwhile. The
// services are started as the manifest says, from dist/, so it is built first.

const VARIABLE = 'MESHPACT_VERIFY_PACTS';

export async function writePacts(): Promise<void> {
  buildCli();
  // The services' output reaches the test output; requests at info level would drown it.
  process.env.LOG_LEVEL ??= 'warn';
  const dir = mkdtempSync(join(tmpdir(), 'meshpact-pacts-'));
  try {
    await generatePacts(loadMesh(), dir);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  // Set before jest starts its workers, which inherit it.
  process.env[VARIABLE] = dir;
}

export function removePacts(): void {
  const dir = process.env[VARIABLE];
  if (dir) rmSync(dir, { recursive: true, force: true });
}

/** The directory the global setup wrote the pacts to. */
export function pactDir(): string {
  const dir = process.env[VARIABLE];
  if (!dir)
    throw new Error(`${VARIABLE} is not set: run these tests through jest's verify project`);
  return dir;
}

/** The pact files a provider is verified against, found by the names in them. */
export function pactFilesOf(mesh: Mesh, provider: string): string[] {
  const consumers = mesh.contracts
    .filter((pair) => pair.provider === provider)
    .map((pair) => pair.consumer);
  return readPactFiles(pactDir())
    .filter((pact) => pact.provider === provider && consumers.includes(pact.consumer))
    .map((pact) => pact.file);
}
