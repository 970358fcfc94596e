import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { generatePacts } from './generate.js';
import type { Mesh, Pacticipant } from './mesh-model.js';
import { runs } from '../../test/support/processes.js';

const pact = (consumer: string, provider: string) =>
  JSON.stringify({ consumer: { name: consumer }, provider: { name: provider } });

/** A shell command writing the pact of consumer -> provider to $MESHPACT_PACT_DIR/<file>, as run. */
const command = (consumer: string, provider: string, file: string) =>
  `printf '%s' '${pact(consumer, provider)}' > "$MESHPACT_PACT_DIR/${file}"`;

/** The same as written in a manifest, where JSON's braces are doubled. */
const writes = (consumer: string, provider: string, file: string) =>
  command(consumer, provider, file).replaceAll('{', '{{').replaceAll('}', '}}');

describe('generatePacts', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'meshpact-generate-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const meshOf = (tests: Record<string, string>, contracts: [string, string][]): Mesh => ({
    file: join(root, 'mesh.yaml'),
    root,
    pacticipants: new Map<string, Pacticipant>([
      ...Object.entries(tests).map(([name, command]): [string, Pacticipant] => [
        name,
        {
          name,
          kind: 'consumer',
          tests: { command, cwd: root, env: { WHERE: '{pacts}' }, pacts: join(root, name) },
        },
      ]),
      ...contracts.map(([, provider]): [string, Pacticipant] => [
        provider,
        { name: provider, kind: 'http' },
      ]),
    ]),
    contracts: contracts.map(([consumer, provider]) => ({ consumer, provider })),
  });

  it("runs each consumer's command with its pacts folder and finds each pact by its content", async () => {
    const mesh = meshOf(
      {
        web: `${writes('web', 'api', 'any-name.json')}; ${writes('web', 'auth', 'other.json')}; echo "$WHERE $MESHPACT_MESH" > where`,
        cli: writes('cli', 'api', 'cli.json'),
      },
      [
        ['web', 'api'],
        ['web', 'auth'],
        ['cli', 'api'],
      ],
    );
    const { files } = await generatePacts(mesh);
    expect(files).toEqual([
      { consumer: 'web', provider: 'api', file: join(root, 'web/any-name.json') },
      { consumer: 'web', provider: 'auth', file: join(root, 'web/other.json') },
      { consumer: 'cli', provider: 'api', file: join(root, 'cli/cli.json') },
    ]);
    // Its tests also learn which manifest they belong to.
    expect(readFileSync(join(root, 'where'), 'utf8')).toBe(
      `${join(root, 'web')} ${join(root, 'mesh.yaml')}\n`,
    );
  });

  it('writes every pact to the folder given instead, when one is, relative to where meshpact runs', async () => {
    const dir = relative(process.cwd(), join(root, 'private'));
    const mesh = meshOf({ web: writes('web', 'api', 'p.json') }, [['web', 'api']]);
    const { files } = await generatePacts(mesh, dir);
    expect(files).toEqual([
      { consumer: 'web', provider: 'api', file: join(root, 'private/p.json') },
    ]);
  });

  it('names the pair and the command when a pact is missing', async () => {
    const mesh = meshOf({ web: writes('web', 'api', 'p.json') }, [
      ['web', 'api'],
      ['web', 'auth'],
    ]);
    await expect(generatePacts(mesh)).rejects.toThrow(
      `no pact for web -> auth in ${join(root, 'web')} after \`${command('web', 'api', 'p.json')}\`: its tests wrote none`,
    );
  });

  it('refuses a pact the command did not rewrite', async () => {
    const dir = join(root, 'web');
    mkdirSync(dir);
    writeFileSync(join(dir, 'old.json'), pact('web', 'api'));
    utimesSync(join(dir, 'old.json'), new Date(2020, 0, 1), new Date(2020, 0, 1));
    const mesh = meshOf({ web: 'true' }, [['web', 'api']]);
    await expect(generatePacts(mesh)).rejects.toThrow(
      `the pact for web -> api (${join(dir, 'old.json')}) is older than \`true\`: its tests no longer write it`,
    );
  });

  it('rejects with the output of a failing command', async () => {
    const mesh = meshOf({ web: 'echo "1 test failed"; exit 1' }, [['web', 'api']]);
    await expect(generatePacts(mesh)).rejects.toThrow(
      'the contract tests of web failed (`echo "1 test failed"; exit 1` exited with code 1):\nweb | 1 test failed\n',
    );
  });

  it('stops the whole command, children too, when aborted', async () => {
    const mesh = meshOf({ web: `sleep 300 & echo $! > ${root}/pid; wait` }, [['web', 'api']]);
    const controller = new AbortController();
    const generating = generatePacts(mesh, undefined, { signal: controller.signal });
    while (!readFileSync(join(root, 'pid'), { flag: 'a+', encoding: 'utf8' }).trim())
      await new Promise((resolve) => setTimeout(resolve, 20));
    const sleeper = Number(readFileSync(join(root, 'pid'), 'utf8'));
    controller.abort(new Error('stopped'));
    await expect(generating).rejects.toThrow('stopped');
    expect(runs(sleeper)).toBe(false);
  });
});
