import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { MeshpactError } from '../errors/meshpact-error.js';
import { killOnExit } from './process-cleanup.js';

export interface LineSink {
  write(text: string): unknown;
}

export interface ProcessGroupOptions {
  /** Put before each line of its output, e.g. the service's name. */
  name: string;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Where its output goes, line by line as `<name> | <line>`; meshpact's stderr by default. */
  output?: LineSink;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ProcessGroup {
  readonly pid: number;
  /** When the shell has ended (what it started may still run). */
  readonly exited: Promise<Exit>;
  /** Its last lines of output, for an error message. */
  tail(): string;
  /**
   * SIGTERM to the whole group, SIGKILL to whatever of it still runs after
   * `timeoutMs`; resolves when nothing of it runs. Safe to call twice.
   */
  stop(timeoutMs: number): Promise<void>;
}

const TAIL_LINES = 20;
const KILL_WAIT_MS = 5_000;
/** How long its output may still be read once the group is gone. */
const FLUSH_WAIT_MS = 1_000;

/**
 * Runs `command` with `/bin/sh -c` as the leader of a new process group, so
 * that stopping it stops everything it spawned (npm, jest's workers, a shell
 * script's children), never one process of a tree.
 */
export function startProcessGroup(command: string, options: ProcessGroupOptions): ProcessGroup {
  // spawn() words a missing cwd as a missing /bin/sh.
  if (options.cwd !== undefined && !existsSync(options.cwd))
    throw new MeshpactError(
      'config_invalid',
      `${options.name}: its folder ${options.cwd} does not exist`,
    );
  const child = spawn('/bin/sh', ['-c', command], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const lines: string[] = [];
  const output = options.output ?? process.stderr;
  const keep = (line: string) => {
    output.write(`${options.name} | ${line}\n`);
    lines.push(line);
    if (lines.length > TAIL_LINES) lines.shift();
  };
  const flushed = [child.stdout, child.stderr].map(
    (stream) =>
      new Promise<void>((resolve) => {
        let partial = '';
        stream.setEncoding('utf8');
        stream.on('data', (chunk: string) => {
          const parts = (partial + chunk).split('\n');
          partial = parts.pop() ?? '';
          parts.forEach(keep);
        });
        stream.once('close', () => {
          if (partial) keep(partial);
          resolve();
        });
      }),
  );
  const exited = new Promise<Exit>((resolve) => {
    child.once('error', (error) => {
      keep(`cannot start /bin/sh: ${error.message}`);
      resolve({ code: 127, signal: null });
    });
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  // spawn() reports a failure to start asynchronously; the pid is there when it did start.
  const pid = child.pid ?? -1;
  const release = pid > 0 ? killOnExit(pid) : () => undefined;

  let stopping: Promise<void> | undefined;
  return {
    pid,
    exited,
    tail: () => lines.join('\n'),
    stop(timeoutMs) {
      stopping ??= (async () => {
        if (pid > 0) {
          signalGroup(pid, 'SIGTERM');
          const deadline = Date.now() + timeoutMs;
          while (groupRuns(pid) && Date.now() < deadline) await sleep(50);
          if (groupRuns(pid)) signalGroup(pid, 'SIGKILL');
          await exited;
          // SIGKILL takes a moment to land; a process stuck in the kernel is not waited for forever.
          const killed = Date.now() + KILL_WAIT_MS;
          while (groupRuns(pid) && Date.now() < killed) await sleep(20);
        }
        release();
        // The last lines it wrote while stopping are not lost; but a process that left the
        // group (setsid, a daemon) may hold the pipes open for good, so the wait is bounded.
        // The wait is called off once drained: its timer would hold this process's exit for a second.
        const waited = new AbortController();
        const drained = await Promise.race([
          Promise.all(flushed).then(() => true),
          sleep(FLUSH_WAIT_MS, false, { signal: waited.signal }).catch(() => true),
        ]);
        waited.abort();
        if (!drained) {
          child.stdout.destroy();
          child.stderr.destroy();
        }
      })();
      return stopping;
    },
  };
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Nothing of it is left.
  }
}

/**
 * Whether any process of the group still runs. Where orphans are not reaped
 * (PID 1 in some containers) the group's dead processes linger as zombies,
 * which kill(0) still finds, so on Linux the members' states are read.
 */
export function groupRuns(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return true;
  }
  return entries.some((entry) => {
    if (!/^\d+$/.test(entry)) return false;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      return false;
    }
    // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses.
    const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return group === String(pgid) && state !== 'Z' && state !== 'X';
  });
}
