import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ContractTests, Mesh } from './mesh.js';
import { fillPlaceholders } from './placeholders.js';

export interface GeneratedPacts {
  dir: string;
  /** One pact file per contract pair of the mesh, as its consumer test wrote it. */
  files: { consumer: string; provider: string; file: string }[];
}

/**
 * Runs each consumer's contract tests (`tests.command` in the manifest, by
 * /bin/sh in its own process group) one after the other, writing the pacts to
 * `dir` (MESHPACT_PACT_DIR, and `{pacts}`), so a verification reads pacts no
 * other test run is rewriting. Rejects with the output of the first command
 * that fails.
 */
export async function generatePacts(
  mesh: Mesh,
  dir: string,
  options: { signal?: AbortSignal } = {},
): Promise<GeneratedPacts> {
  mkdirSync(dir, { recursive: true });
  const consumers = new Set(mesh.contracts.map((pair) => pair.consumer));
  for (const name of consumers) {
    const tests = mesh.pacticipants.get(name)?.tests;
    // A consumer without tests publishes its pacts itself; the broker has them.
    if (tests) await runTests(mesh, name, tests, dir, options.signal);
  }
  return {
    dir,
    files: mesh.contracts.map(({ consumer, provider }) => ({
      consumer,
      provider,
      file: join(dir, `${consumer}-${provider}.json`),
    })),
  };
}

async function runTests(
  mesh: Mesh,
  consumer: string,
  tests: ContractTests,
  dir: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  const values: Record<string, string> = { pacts: dir, root: mesh.root };
  const fill = (text: string) => fillPlaceholders(text, (name) => values[name]);
  const output: Buffer[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', fill(tests.command)], {
      cwd: tests.cwd,
      env: {
        ...process.env,
        ...Object.fromEntries(Object.entries(tests.env).map(([key, value]) => [key, fill(value)])),
        MESHPACT_PACT_DIR: dir,
        MESHPACT_MESH: mesh.file,
        PACT_DO_NOT_TRACK: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so stopping it stops what it started too (jest's workers).
      detached: true,
    });
    const stop = () => {
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
    };
    signal?.addEventListener('abort', stop, { once: true });
    child.once('close', () => signal?.removeEventListener('abort', stop));
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
    child.once('error', reject);
    child.once('close', resolve);
  });
  signal?.throwIfAborted();
  if (code !== 0)
    throw new Error(
      `the contract tests of ${consumer} failed:\n${Buffer.concat(output).toString('utf8')}`,
    );
}
