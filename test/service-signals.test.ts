import { execFileSync, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/runtime/paths.js';
import { scratchTmpdir } from './support/meshpact-process.js';
import { runs } from './support/processes.js';

// Services run in process groups of their own, out of reach of the signals
// that end meshpact; meshpact must stop them itself, database and all.

/** What meshpact left in TMPDIR (tsx keeps a cache there too). */
const leftovers = (dir: string) => readdirSync(dir).filter((name) => name.startsWith('meshpact-'));

/** A process that starts one service with a database of its own and holds it (test/support/hold-service.ts). */
function holdService(tmpdir: string) {
  const holder = spawn(
    process.execPath,
    ['--import', 'tsx', join(packageRoot(), 'test/support/hold-service.ts')],
    {
      cwd: packageRoot(),
      env: { ...process.env, TMPDIR: tmpdir, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  holder.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  holder.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const ended = new Promise<NodeJS.Signals | null>((resolve) =>
    holder.once('exit', (_code, by) => resolve(by)),
  );
  return { holder, output: () => out, ended };
}

/** The processes whose command line names `text`. */
const processesNaming = (text: string) =>
  execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(text));

describe('a process holding a service', () => {
  it.each(['SIGTERM', 'SIGINT', 'SIGHUP'] as const)(
    'on %s stops the service, its children and its database, then ends by that signal',
    async (signal) => {
      const scratch = scratchTmpdir();
      const { holder, output, ended } = holdService(scratch.path);
      try {
        await new Promise<void>((resolve, reject) => {
          const check = () => (/^ready /m.test(output()) ? resolve() : undefined);
          holder.stdout.on('data', check);
          void ended.then(() => reject(new Error(`ended before it was ready:\n${output()}`)));
        });
        const url = /^ready (\S+)$/m.exec(output())![1]!;
        const { pid } = (await (await fetch(`${url}/env`)).json()) as { pid: number };
        const sleeper = Number(/^held \| sleeper (\d+)$/m.exec(output())![1]);
        expect([runs(pid), runs(sleeper)]).toEqual([true, true]);
        expect(leftovers(scratch.path)).not.toEqual([]);

        holder.kill(signal);
        expect(await ended).toBe(signal);
        expect([runs(pid), runs(sleeper)]).toEqual([false, false]);
        expect(leftovers(scratch.path)).toEqual([]);
      } finally {
        holder.kill('SIGKILL');
        scratch.remove();
      }
    },
    60_000,
  );

  it('on SIGTERM while its database is still starting, leaves no Postgres and no data dir', async () => {
    const scratch = scratchTmpdir();
    const { holder, output, ended } = holdService(scratch.path);
    try {
      // The database's folder appears as soon as it starts: the signal comes in the middle.
      const deadline = Date.now() + 30_000;
      while (leftovers(scratch.path).length === 0 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 10));
      expect(leftovers(scratch.path)).not.toEqual([]);
      expect(output()).not.toMatch(/^ready /m);

      holder.kill('SIGTERM');
      expect(await ended).toBe('SIGTERM');
      expect(processesNaming(scratch.path)).toEqual([]);
      expect(leftovers(scratch.path)).toEqual([]);
    } finally {
      holder.kill('SIGKILL');
      scratch.remove();
    }
  }, 60_000);
});
