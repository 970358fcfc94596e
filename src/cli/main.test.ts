import { main, type CliIo } from './main.js';
import { captureIo } from './test-io.js';
import { packageVersion } from '../runtime/paths.js';

const capture = (env: CliIo['env'] = {}) => captureIo(env);

const cli = (args: string[], io: CliIo) => main(['node', 'meshpact', ...args], io);

describe('meshpact CLI', () => {
  it('prints its version and exits 0', async () => {
    const { io, out } = capture();
    await expect(cli(['--version'], io)).resolves.toBe(0);
    expect(out).toEqual([packageVersion()]);
  });

  it('prints help that lists its commands', async () => {
    const { io, out } = capture();
    await expect(cli(['--help'], io)).resolves.toBe(0);
    expect(out.join('\n')).toMatch(/Usage: meshpact \[options\] \[command\]/);
    expect(out.join('\n')).toMatch(/run \[options\]\s+Run the whole mesh check/);
  });

  describe('when the usage is wrong', () => {
    it('exits 2 and says what is wrong on stderr', async () => {
      const { io, err } = capture();
      await expect(cli(['frobnicate'], io)).resolves.toBe(2);
      expect(err[0]).toBe("error: unknown command 'frobnicate'");
    });
  });

  describe('when the configuration is bad', () => {
    it('exits 2 with one plain line naming the variable', async () => {
      const { io, err } = capture({ DATABASE_URL: 'not a url' });
      await expect(cli(['run'], io)).resolves.toBe(2);
      expect(err).toEqual(['meshpact: DATABASE_URL must be a URL (got "not a url")']);
    });
  });
});

describe('meshpact CLI subcommands', () => {
  it('exit 2 on a bad option value instead of exiting the process', async () => {
    const { io, err } = capture();
    await expect(cli(['broker', '--port', 'http'], io)).resolves.toBe(2);
    expect(err[0]).toMatch(/option '--port <port>' argument 'http' is invalid/);
  });
});
