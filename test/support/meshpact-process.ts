import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/runtime/paths.js';

const root = packageRoot();
const bin = join(root, 'bin/meshpact.js');

/** Compiles the tree the `meshpact` bin runs, so a test sees the current source. */
export function buildCli(checkout = root): void {
  const result = spawnSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: checkout,
      encoding: 'utf8',
    },
  );
  if (result.status !== 0) throw new Error(`build failed:\n${result.stdout}${result.stderr}`);
}

/** A private TMPDIR shows exactly what a run left behind (the postgres user must reach into it). */
export function scratchTmpdir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'meshpact-cli-'));
  chmodSync(path, 0o755);
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export function runMeshpact(args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, PACT_DO_NOT_TRACK: 'true', ...env },
    timeout: 120_000,
  });
}

export interface LongRunning {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout line matching `pattern`. */
  line(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  exited(): Promise<number | null>;
}

/** Starts a long-running meshpact command (e.g. `up`) and lets a test read its output as it comes. */
/** This process's environment with `env` over it; an undefined variable is one the command must not see, e.g. CI. */
function environmentWith(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries({ ...process.env, PACT_DO_NOT_TRACK: 'true', ...env }).filter(
      (entry): entry is [string, string] => entry[1] !== undefined,
    ),
  );
}

export function startMeshpact(
  args: string[],
  env: Record<string, string | undefined> = {},
  /** Another checkout of meshpact to run (its own built bin), e.g. one changed on purpose. */
  checkout = root,
): LongRunning {
  const child = spawn(process.execPath, [join(checkout, 'bin/meshpact.js'), ...args], {
    cwd: checkout,
    env: environmentWith(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return follow(child);
}

/** Starts a script of the built tree (e.g. `dist/providers/auth/main.js`) with only `env` set, besides PATH. */
export function startBuilt(script: string, env: Record<string, string> = {}): LongRunning {
  const child = spawn(process.execPath, [join(root, script)], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return follow(child);
}

/**
 * Starts a meshpact command on a real pseudo-terminal (util-linux `script`), as
 * a person at a terminal runs it: stdout is a TTY, and what the test types
 * goes through the terminal, so ^C reaches the command as the terminal's SIGINT.
 * stdout and stderr arrive together, as on a screen.
 */
export function startMeshpactOnTerminal(
  args: string[],
  env: Record<string, string | undefined> = {},
): LongRunning & { type(text: string): void } {
  const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;
  const command = [process.execPath, bin, ...args].map(quote).join(' ');
  const child = spawn(
    'script',
    ['--quiet', '--flush', '--return', '--command', command, '/dev/null'],
    {
      cwd: root,
      env: environmentWith(env),
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  return { ...follow(child), type: (text) => child.stdin.write(text) };
}

function follow(child: ChildProcess): LongRunning {
  let out = '';
  let err = '';
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited: () => exit,
    line(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const deadline = setTimeout(
          () => done(new Error(`no line matching ${pattern} in:\n${out}\n${err}`)),
          timeoutMs,
        );
        const check = () => {
          const match = out
            .split('\n')
            .map((l) => pattern.exec(l))
            .find((m) => m !== null);
          if (match) done(undefined, match);
        };
        const done = (error?: Error, match?: RegExpExecArray) => {
          clearTimeout(deadline);
          child.stdout!.off('data', check);
          child.off('exit', onExit);
          if (error) reject(error);
          else resolve(match!);
        };
        const onExit = () => done(new Error(`exited before printing ${pattern}:\n${out}\n${err}`));
        child.stdout!.on('data', check);
        child.once('exit', onExit);
        check();
      });
    },
  };
}

/**
 * Runs a meshpact command to its end without blocking this process, for a
 * test whose broker (or other server) answers from this same process.
 */
export function runMeshpactAsync(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: root,
    env: { ...process.env, PACT_DO_NOT_TRACK: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // 'close', not 'exit': by then both pipes are drained.
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (status) => resolve({ status, stdout, stderr }));
  });
}
