import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MeshpactError } from '../errors/meshpact-error.js';
import { stopOnSignal } from '../runtime/process-cleanup.js';
import { startProcessGroup } from '../runtime/process-group.js';
import type { ContractPair, ContractTests, Mesh } from './mesh-model.js';
import { readPactFile } from './pact-files.js';
import { fillPlaceholders } from './placeholders.js';

export interface GeneratedPacts {
  /** One pact file per contract pair of the mesh, as its consumer's tests wrote it. */
  files: { consumer: string; provider: string; file: string }[];
}

/** A file's clock and ours may disagree by a tick; a pact older than this before its command is stale. */
const MTIME_SLACK_MS = 1_000;

/**
 * Runs each consumer's contract tests (its manifest `tests: { command }`, by
 * `/bin/sh -c` in a process group of its own, killed whole on abort) with
 * MESHPACT_PACT_DIR set to its pacts folder, or to `dir` for every consumer
 * when given (a run, and each test run, writes to a private folder nothing
 * else rewrites meanwhile). Then finds each contract pair's pact in that
 * folder by its content (consumer.name, provider.name), not by its file name.
 * Rejects with the command's output when it fails, and names the pair and
 * the command when a pact is missing or was not rewritten.
 */
export async function generatePacts(
  mesh: Mesh,
  dir?: string,
  options: { signal?: AbortSignal } = {},
): Promise<GeneratedPacts> {
  const consumers = [...new Set(mesh.contracts.map((pair) => pair.consumer))];
  const testsOf = (consumer: string) => {
    const tests = mesh.pacticipants.get(consumer)?.tests;
    if (!tests)
      throw new MeshpactError(
        'config_invalid',
        `${mesh.file}: ${consumer} consumes ${mesh.contracts.find((p) => p.consumer === consumer)?.provider} but has no tests: { command } to write its pacts`,
      );
    return tests;
  };
  const all = consumers.map((consumer) => ({ consumer, tests: testsOf(consumer) }));
  // Side by side: each consumer's tests write pacts of their own (the consumer
  // is in each pact's name), and one test runner keeps barely one core busy.
  const runs = all.map(async ({ consumer, tests }) => {
    const pacts = resolve(dir ?? tests.pacts);
    const started = Date.now();
    const command = await runTests(mesh, consumer, tests, pacts, options.signal);
    return { consumer, pacts, started, command };
  });
  // The first failure in the manifest's order is the one told, once every run has ended.
  const ran = await Promise.allSettled(runs);
  const files: GeneratedPacts['files'] = [];
  for (const outcome of ran) {
    if (outcome.status === 'rejected') throw outcome.reason;
    const { consumer, pacts, started, command } = outcome.value;
    const found = pactsIn(pacts);
    for (const pair of mesh.contracts.filter((p) => p.consumer === consumer)) {
      const file = found.get(key(pair));
      if (!file)
        throw new MeshpactError(
          'config_invalid',
          `no pact for ${pair.consumer} -> ${pair.provider} in ${pacts} after \`${command}\`: its tests wrote none`,
        );
      if (statSync(file).mtimeMs < started - MTIME_SLACK_MS)
        throw new MeshpactError(
          'config_invalid',
          `the pact for ${pair.consumer} -> ${pair.provider} (${file}) is older than \`${command}\`: its tests no longer write it`,
        );
      files.push({ ...pair, file });
    }
  }
  return { files };
}

/** Runs one consumer's tests; resolves with the command as run, rejects with its output. */
async function runTests(
  mesh: Mesh,
  consumer: string,
  tests: ContractTests,
  pacts: string,
  signal: AbortSignal | undefined,
): Promise<string> {
  signal?.throwIfAborted();
  mkdirSync(pacts, { recursive: true });
  const fill = (text: string) =>
    fillPlaceholders(text, (name) =>
      name === 'pacts' ? pacts : name === 'root' ? mesh.root : undefined,
    );
  let command: string;
  let env: Record<string, string>;
  try {
    command = fill(tests.command);
    env = Object.fromEntries(Object.entries(tests.env).map(([k, v]) => [k, fill(v)]));
  } catch (error) {
    throw new MeshpactError(
      'config_invalid',
      `${mesh.file}: ${consumer}: ${(error as Error).message}`,
    );
  }
  // Kept, not shown: a run has its own view; a failure shows it all.
  const output: string[] = [];
  const group = startProcessGroup(command, {
    name: consumer,
    cwd: tests.cwd,
    env: {
      ...process.env,
      ...env,
      MESHPACT_PACT_DIR: pacts,
      MESHPACT_MESH: mesh.file,
      PACT_DO_NOT_TRACK: 'true',
    },
    output: { write: (text) => output.push(text) },
  });
  const stop = () => group.stop(5_000);
  const onAbort = () => void stop();
  const release = stopOnSignal(stop);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const exit = await group.exited;
    await stop();
    signal?.throwIfAborted();
    if (exit.code !== 0)
      throw new Error(
        `the contract tests of ${consumer} failed (\`${command}\` ${exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`}):\n${output.join('')}`,
      );
    return command;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    release();
  }
}

const key = (pair: ContractPair) => JSON.stringify([pair.consumer, pair.provider]);

/** The pact files in `dir` by consumer and provider; the newest one when several name a pair. */
function pactsIn(dir: string): Map<string, string> {
  const found = new Map<string, { file: string; mtimeMs: number }>();
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.json'))) {
    const file = join(dir, name);
    let pact;
    try {
      pact = readPactFile(file);
    } catch {
      continue; // Not a pact: the folder may hold other JSON.
    }
    const { mtimeMs } = statSync(file);
    const seen = found.get(key(pact));
    if (!seen || seen.mtimeMs < mtimeMs) found.set(key(pact), { file, mtimeMs });
  }
  return new Map([...found].map(([k, v]) => [k, v.file]));
}
