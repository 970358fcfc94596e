import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from './paths.js';

// A command that stops what it started itself (untilSignal) and, inside it, a
// step that registered a closer for when nothing else listens (stopOnSignal):
// on the first signal the command must stay in charge, whichever signal it is.
const script = `
  const { untilSignal } = await import('./src/runtime/signals.ts');
  const { stopOnSignal } = await import('./src/runtime/process-cleanup.ts');
  const waiting = untilSignal();
  const closedBy = [];
  stopOnSignal(async () => void closedBy.push('process-cleanup'));
  // A signal listener alone does not keep a process alive until the signal comes.
  const alive = setInterval(() => undefined, 1_000);
  process.kill(process.pid, process.env.SIGNAL);
  const signal = await waiting;
  clearInterval(alive);
  await new Promise((resolve) => setTimeout(resolve, 200));
  console.log(JSON.stringify({ signal, closedBy }));
`;

describe('a signal to a command that stops what it started itself', () => {
  it.each(['SIGINT', 'SIGTERM', 'SIGHUP'])(
    'on %s, the command handles it, and process-cleanup does not end the process under it',
    (signal) => {
      const result = spawnSync(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script],
        {
          cwd: packageRoot(),
          env: { ...process.env, NODE_OPTIONS: '', SIGNAL: signal },
          encoding: 'utf8',
          timeout: 60_000,
        },
      );
      expect({ status: result.status, signal: result.signal, stderr: result.stderr }).toEqual({
        status: 0,
        signal: null,
        stderr: '',
      });
      expect(JSON.parse(result.stdout)).toEqual({ signal, closedBy: [] });
    },
  );
});

// Pact's native verifier runs on a thread of libuv's pool and can block there for ever,
// and Node's own exit (process.exit, an uncaught error) waits for that thread. Opening a
// FIFO no one writes to blocks such a thread the same way.
const blocked = (rest: string) => `
  const { open } = await import('node:fs');
  const { stopOnFatalError, stopOnSignal } = await import('./src/runtime/process-cleanup.ts');
  open(process.env.FIFO, 'r', () => undefined);
  ${rest}
`;

function runBlocked(rest: string) {
  const dir = mkdtempSync(join(tmpdir(), 'meshpact-cleanup-test-'));
  try {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    return spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', blocked(rest)],
      {
        cwd: packageRoot(),
        env: { ...process.env, NODE_OPTIONS: '', FIFO: fifo },
        encoding: 'utf8',
        // A guard only: the process would otherwise hang, deaf to SIGTERM.
        timeout: 60_000,
        killSignal: 'SIGKILL',
      },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('a process with a thread of libuv’s pool blocked for ever, as by Pact’s native verifier', () => {
  it('on an uncaught error, runs the closers and ends by SIGKILL instead of hanging', () => {
    const result = runBlocked(`
      stopOnFatalError();
      stopOnSignal(async () => console.log('closed'));
      setImmediate(() => { throw new Error('boom'); });
    `);
    expect({ timedOut: result.error, signal: result.signal, stdout: result.stdout }).toEqual({
      timedOut: undefined,
      signal: 'SIGKILL',
      stdout: 'closed\n',
    });
    expect(result.stderr).toContain('meshpact: Error: boom');
  }, 90_000);

  it('on a second SIGTERM while the closers run, ends by SIGTERM at once instead of hanging', () => {
    const result = runBlocked(`
      stopOnSignal(async () => {
        console.log('closing');
        process.kill(process.pid, 'SIGTERM');
        // A closer that never ends: only the second signal ends the process.
        await new Promise(() => undefined);
      });
      setInterval(() => undefined, 1_000);
      process.kill(process.pid, 'SIGTERM');
    `);
    expect({ timedOut: result.error, signal: result.signal, stdout: result.stdout }).toEqual({
      timedOut: undefined,
      signal: 'SIGTERM',
      stdout: 'closing\n',
    });
  }, 90_000);
});
