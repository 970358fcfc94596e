import { spawnSync } from 'node:child_process';
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
