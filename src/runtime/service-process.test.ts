import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StartCommand } from '../contracts/mesh-model.js';
import { listen } from './listen.js';
import { packageRoot } from './paths.js';
import { startServiceProcess, type RunningService } from './service-process.js';
import { runs } from '../../test/support/processes.js';

const fixture = join(packageRoot(), 'src/runtime/__fixtures__/echo-service.js');

const command = (overrides: Partial<StartCommand> = {}): StartCommand => ({
  command: `node ${fixture}`,
  cwd: packageRoot(),
  env: {},
  port: 'auto',
  ready: { http: '/ready', timeoutMs: 20_000 },
  stopTimeoutMs: 5_000,
  ...overrides,
});

interface Echo {
  env: Record<string, string>;
  argv: string[];
  pid: number;
}

describe('startServiceProcess', () => {
  const output: string[] = [];
  const sink = { write: (text: string) => output.push(text) };
  let running: RunningService | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
    output.length = 0;
  });

  describe('when the service comes up', () => {
    it('passes PORT, HOST and its placeholders, and the environment the spec gives it', async () => {
      running = await startServiceProcess({
        name: 'echo',
        start: command({
          command: `node ${fixture} --port {port}`,
          env: { SELF: '{url}', SECRET: '{secret:s}', OTHER: '{other.url}', BRACES: '{{x}}' },
        }),
        statesEnv: { STATES: 'on', SECRET: 'states win' },
        lookup: (name) => ({ 'secret:s': 'sssh', 'other.url': 'http://other' })[name],
        env: { FROM_MESHPACT: 'yes', PORT: '1' },
        output: sink,
      });
      const { env, argv } = (await (await fetch(`${running.url}/env`)).json()) as Echo;
      const port = new URL(running.url).port;
      expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(argv).toEqual(['--port', port]);
      expect(env).toMatchObject({
        FROM_MESHPACT: 'yes',
        PORT: port,
        HOST: '127.0.0.1',
        PACT_DO_NOT_TRACK: 'true',
        SELF: running.url,
        OTHER: 'http://other',
        BRACES: '{x}',
        STATES: 'on',
        SECRET: 'states win',
      });
      expect(env.DATABASE_URL).toBeUndefined();
      // Its output comes through, line by line, under its name.
      expect(output).toContain(`echo | listening on ${port}\n`);
    });

    it('with database: postgres, gets a fresh database of its own in DATABASE_URL', async () => {
      running = await startServiceProcess({
        name: 'echo',
        start: command({ database: 'postgres' }),
        ...(process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : {}),
        output: sink,
      });
      const answer = await fetch(`${running.url}/db`);
      expect(answer.status).toBe(200);
      expect(await answer.json()).toEqual({ name: expect.any(String) as string });
    }, 60_000);

    it('stops, output and all, though a process that left its group holds the output open', async () => {
      running = await startServiceProcess({
        name: 'echo',
        start: command({ command: `setsid sleep 300 & echo "escaped $!"; node ${fixture}` }),
        output: sink,
      });
      await running.close();
      running = undefined;
      const escaped = Number(/^echo \| escaped (\d+)$/m.exec(output.join(''))?.[1]);
      expect(runs(escaped)).toBe(true);
      process.kill(escaped, 'SIGKILL');
    });

    it('stops its whole process group on close: the shell and every child', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'meshpact-group-'));
      try {
        running = await startServiceProcess({
          name: 'echo',
          start: command({ command: `sleep 300 & echo $! > {root}/sleep.pid; node ${fixture}` }),
          lookup: (name) => (name === 'root' ? dir : undefined),
          output: sink,
        });
        const { pid } = (await (await fetch(`${running.url}/env`)).json()) as Echo;
        const sleeper = Number(readFileSync(join(dir, 'sleep.pid'), 'utf8'));
        expect([runs(pid), runs(sleeper)]).toEqual([true, true]);

        await running.close();
        expect([runs(pid), runs(sleeper)]).toEqual([false, false]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('when the service does not come up', () => {
    it('says it exited early, with its code and last lines', async () => {
      const attempt = startServiceProcess({
        name: 'broken',
        start: command({ command: 'echo "cannot open config.toml" >&2; exit 3' }),
        output: sink,
      });
      await expect(attempt).rejects.toMatchObject({
        code: 'service_start_failed',
        message: expect.stringMatching(
          /^broken exited with code 3 before it was ready \(GET http:\/\/127\.0\.0\.1:\d+\/ready\); its last lines:\ncannot open config\.toml$/,
        ) as string,
      });
    });

    it('says it was not ready in time, what the last check saw, and stops it', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'meshpact-slow-'));
      try {
        const attempt = startServiceProcess({
          name: 'slow',
          start: command({
            command: `echo $$ > ${dir}/pid; echo starting; exec sleep 300`,
            ready: { http: '/ready', timeoutMs: 500 },
          }),
          output: sink,
        });
        await expect(attempt).rejects.toMatchObject({
          code: 'service_start_failed',
          message: expect.stringMatching(
            /^slow was not ready within 500 ms: GET http:\/\/127\.0\.0\.1:\d+\/ready last gave ECONNREFUSED; its last lines:\nstarting$/,
          ) as string,
        });
        expect(runs(Number(readFileSync(join(dir, 'pid'), 'utf8')))).toBe(false);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('refuses a fixed port something else holds, which would answer in its place', async () => {
      const squatter = createServer((_request, response) => response.end('not the service'));
      const listening = await listen(squatter);
      const port = Number(new URL(listening.url).port);
      try {
        await expect(
          startServiceProcess({ name: 'echo', start: command({ port }), output: sink }),
        ).rejects.toMatchObject({
          code: 'service_start_failed',
          message: `echo: port ${port} is in use; stop what holds it or give port: auto`,
        });
      } finally {
        await listening.close();
      }
    });

    it('names a folder to run in that does not exist', async () => {
      await expect(
        startServiceProcess({ name: 'echo', start: command({ cwd: '/nowhere/at/all' }) }),
      ).rejects.toMatchObject({
        code: 'config_invalid',
        message: 'echo: its folder /nowhere/at/all does not exist',
      });
    });

    it('refuses a placeholder it does not know, naming it', async () => {
      await expect(
        startServiceProcess({ name: 'echo', start: command({ command: 'node {nope}' }) }),
      ).rejects.toMatchObject({
        code: 'config_invalid',
        message: 'echo: unknown placeholder {nope} in "node {nope}"',
      });
    });
  });
});
