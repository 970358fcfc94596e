import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Mesh } from './mesh.js';

export interface GeneratedPacts {
  dir: string;
  /** One pact file per contract pair of the mesh, as its consumer test wrote it. */
  files: { consumer: string; provider: string; file: string }[];
}

/**
 * Runs the consumers' contract tests (the ones contracts/mesh.yaml names) in
 * a jest of their own, writing the pacts to `dir` (MESHPACT_PACT_DIR), so a
 * verification reads pacts no other test run is rewriting. Rejects with
 * jest's output when a contract test fails.
 */
export async function generatePacts(
  mesh: Mesh,
  dir: string,
  options: { signal?: AbortSignal } = {},
): Promise<GeneratedPacts> {
  mkdirSync(dir, { recursive: true });
  const jest = createRequire(import.meta.url).resolve('jest/bin/jest');
  const tests = [...new Set(mesh.contracts.map((pair) => pair.tests))];
  const output: Buffer[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [jest, '--selectProjects', 'contract', '--runTestsByPath', ...tests],
      {
        cwd: mesh.root,
        env: {
          ...process.env,
          MESHPACT_PACT_DIR: dir,
          PACT_DO_NOT_TRACK: 'true',
          NODE_OPTIONS: '--experimental-vm-modules --disable-warning=ExperimentalWarning',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group, so stopping it stops jest's workers too.
        detached: true,
      },
    );
    const stop = () => {
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
    };
    options.signal?.addEventListener('abort', stop, { once: true });
    child.once('close', () => options.signal?.removeEventListener('abort', stop));
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
    child.once('error', reject);
    child.once('close', resolve);
  });
  options.signal?.throwIfAborted();
  if (code !== 0)
    throw new Error(
      `the consumer contract tests failed:\n${Buffer.concat(output).toString('utf8')}`,
    );
  return {
    dir,
    files: mesh.contracts.map(({ consumer, provider }) => ({
      consumer,
      provider,
      file: join(dir, `${consumer}-${provider}.json`),
    })),
  };
}
