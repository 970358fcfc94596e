import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { loadMesh } from '../contracts/mesh.js';
import { starterMesh } from './init.command.js';
import { main } from './main.js';
import { captureIo } from './test-io.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'meshpact-init-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[], env: Record<string, string> = {}) => {
  const capture = captureIo(env);
  return { ...capture, code: main(['node', 'meshpact', ...args], capture.io) };
};

describe('meshpact init', () => {
  it('writes a root any folder name keeps, a # or a colon in it included', () => {
    for (const name of ['proj #1', 'a: b', '123']) {
      writeFileSync(join(dir, 'mesh.yaml'), starterMesh(`../${name}`));
      expect(loadMesh(join(dir, 'mesh.yaml')).root).toBe(join(dir, '..', name));
    }
  });

  it('refuses a manifest path that is a folder, with one line', async () => {
    const { code, err } = cli(['init', '--mesh', dir, '--force']);
    await expect(code).resolves.toBe(2);
    expect(err).toEqual([`meshpact: ${dir} is a directory; name a file for the manifest`]);
  });

  it('writes a commented starter manifest that loads cleanly', async () => {
    const file = join(dir, 'contracts/mesh.yaml');
    const { code, out, err } = cli(['init', '--mesh', file]);
    await expect(code).resolves.toBe(0);
    expect(err).toEqual([]);
    expect(out).toEqual([`wrote ${file}: fill it in, then run npx meshpact run`]);
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('# A provider already running: a url instead of start.');
    const mesh = loadMesh(file);
    // root is where init ran, seen from the manifest's folder.
    expect(mesh.root).toBe(process.cwd());
    expect(text).toContain(
      `root: ${JSON.stringify(relative(join(dir, 'contracts'), process.cwd()))}`,
    );
    expect(mesh.pacticipants.get('orders-api')).toMatchObject({
      kind: 'http',
      start: { command: 'node server.js --port {port}', port: 'auto' },
      states: { url: '/_pact/provider-states', env: { PACT_PROVIDER_STATES: 'on' } },
    });
    expect(mesh.pacticipants.get('web-app')?.tests?.pacts).toBe(join(process.cwd(), 'pacts'));
    expect(mesh.contracts).toEqual([{ consumer: 'web-app', provider: 'orders-api' }]);
  });

  describe('when the manifest exists', () => {
    it('refuses to overwrite it: exit 2, one plain line, the file untouched', async () => {
      const file = join(dir, 'mesh.yaml');
      writeFileSync(file, 'mine\n');
      const { code, out, err } = cli(['init', '--mesh', file]);
      await expect(code).resolves.toBe(2);
      expect(out).toEqual([]);
      expect(err).toEqual([`meshpact: ${file} exists; give --force to overwrite it`]);
      expect(readFileSync(file, 'utf8')).toBe('mine\n');
    });

    it('overwrites it with --force', async () => {
      const file = join(dir, 'mesh.yaml');
      writeFileSync(file, 'mine\n');
      await expect(cli(['init', '--mesh', file, '--force']).code).resolves.toBe(0);
      expect(loadMesh(file).contracts).toHaveLength(1);
    });
  });

  it('writes where MESHPACT_MESH says when --mesh is not given', async () => {
    const file = join(dir, 'from-env.yaml');
    await expect(cli(['init'], { MESHPACT_MESH: file }).code).resolves.toBe(0);
    expect(loadMesh(file).file).toBe(file);
  });
});

describe('--mesh', () => {
  /** A manifest that fails with a line naming its file, so the test sees which one was read. */
  const broken = (name: string) => {
    const file = join(dir, name);
    writeFileSync(file, 'pacticipants: {}\ncontracts: []\n');
    return file;
  };
  const check = ['contracts', 'check'];

  it('after the command, names the manifest it reads', async () => {
    const file = broken('after.yaml');
    const { code, err } = cli([...check, dir, '--mesh', file], { MESHPACT_MESH: broken('e.yaml') });
    await expect(code).resolves.toBe(2);
    expect(err[0]).toMatch(new RegExp(`^meshpact: ${file}:1:15: /pacticipants: `));
  });

  it('before the command, on the program, names it too', async () => {
    const file = broken('before.yaml');
    const { code, err } = cli(['--mesh', file, ...check, dir], { MESHPACT_MESH: broken('e.yaml') });
    await expect(code).resolves.toBe(2);
    expect(err[0]).toMatch(new RegExp(`^meshpact: ${file}:1:15: `));
  });

  it('when not given, MESHPACT_MESH names the manifest', async () => {
    const file = broken('env.yaml');
    const { code, err } = cli([...check, dir], { MESHPACT_MESH: file });
    await expect(code).resolves.toBe(2);
    expect(err[0]).toMatch(new RegExp(`^meshpact: ${file}:1:15: `));
  });

  it('when neither is given, contracts/mesh.yaml of the current folder is read', async () => {
    const { code, out } = cli([...check, dir]);
    await expect(code).resolves.toBe(0);
    expect(out).toEqual([`no pact files in ${dir}`]);
  });
});
