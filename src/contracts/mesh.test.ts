import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MeshpactError } from '../errors/meshpact-error.js';
import { packageRoot } from '../runtime/paths.js';
import { defaultMeshFile, loadMesh, meshFileOf } from './mesh.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'meshpact-mesh-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a manifest (lines joined) into the scratch folder and returns its path. */
function manifest(...lines: string[]): string {
  const file = join(dir, 'team/mesh.yaml');
  mkdirSync(join(dir, 'team'), { recursive: true });
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** The error lines loading `lines` gives, with the file shown as `mesh.yaml`. */
function problems(...lines: string[]): string[] {
  const file = manifest(...lines);
  try {
    loadMesh(file);
  } catch (error) {
    expect(error).toBeInstanceOf(MeshpactError);
    expect((error as MeshpactError).code).toBe('config_invalid');
    return (error as Error).message.replaceAll(file, 'mesh.yaml').split('\n');
  }
  throw new Error('the manifest loaded');
}

// A small valid mesh to break one line at a time.
const api = ['  api:', '    kind: http', '    start:', '      command: node main.js --port {port}'];
const web = ['  web:', '    kind: consumer', '    tests: { command: npm test, pacts: pacts }'];
const contract = ['contracts:', '  - { consumer: web, provider: api }'];

describe('loadMesh', () => {
  it("reads the repository's mesh: how each service starts, who serves, who consumes whom", () => {
    const mesh = loadMesh(join(packageRoot(), defaultMeshFile));
    expect(mesh.root).toBe(packageRoot());
    expect(mesh.file).toBe(join(packageRoot(), 'contracts/mesh.yaml'));
    expect(mesh.pacticipants.get('auth-service')?.start).toMatchObject({
      command: 'node dist/providers/auth/main.js',
      database: 'postgres',
    });
    expect(mesh.pacticipants.get('backend-events')).toMatchObject({
      kind: 'message',
      servedBy: 'backend-api',
      ws: { url: '/ws', frameSchema: join(packageRoot(), 'schemas/events/server-frame.json') },
    });
    expect(mesh.contracts).toHaveLength(4);
  });

  describe('when the manifest is valid', () => {
    it('resolves every path against root, itself relative to the manifest folder', () => {
      const mesh = loadMesh(
        manifest(
          'root: ..',
          'pacticipants:',
          '  api:',
          '    kind: http',
          '    openapi: docs/api.yaml',
          '    start: { command: ./run, cwd: services/api }',
          '  events:',
          '    kind: message',
          '    served-by: api',
          '    asyncapi: /abs/events.yaml',
          '    ws: { url: /ws, frame-schema: docs/frame.json }',
          ...web,
          ...contract,
        ),
      );
      expect(mesh.root).toBe(dir);
      const entry = mesh.pacticipants.get('api');
      expect(entry?.openapi).toBe(join(dir, 'docs/api.yaml'));
      expect(entry?.start?.cwd).toBe(join(dir, 'services/api'));
      expect(mesh.pacticipants.get('events')?.asyncapi).toBe('/abs/events.yaml');
      expect(mesh.pacticipants.get('events')?.ws?.frameSchema).toBe(join(dir, 'docs/frame.json'));
      expect(mesh.pacticipants.get('web')?.tests).toEqual({
        command: 'npm test',
        cwd: dir,
        env: {},
        pacts: join(dir, 'pacts'),
      });
    });

    it("without root, reads paths from the manifest's own folder", () => {
      const mesh = loadMesh(manifest('pacticipants:', ...api, ...web, ...contract));
      expect(mesh.root).toBe(join(dir, 'team'));
      expect(mesh.pacticipants.get('api')?.start?.cwd).toBe(join(dir, 'team'));
    });

    it('fills in the defaults and turns durations into milliseconds', () => {
      const mesh = loadMesh(manifest('pacticipants:', ...api, ...web, ...contract));
      expect(mesh.pacticipants.get('api')?.start).toEqual({
        command: 'node main.js --port {port}',
        cwd: join(dir, 'team'),
        env: {},
        port: 'auto',
        ready: { http: '/', timeoutMs: 30_000 },
        stopTimeoutMs: 10_000,
      });
      const timed = loadMesh(
        manifest(
          'pacticipants:',
          ...api,
          '      port: 8080',
          '      ready: { http: /healthz, timeout: 2m }',
          '      stop-timeout: 500ms',
          ...web,
          ...contract,
        ),
      );
      expect(timed.pacticipants.get('api')?.start).toMatchObject({
        port: 8080,
        ready: { http: '/healthz', timeoutMs: 120_000 },
        stopTimeoutMs: 500,
      });
      const inMs = loadMesh(
        manifest('pacticipants:', ...api, '      stop-timeout: 2500', ...web, ...contract),
      );
      expect(inMs.pacticipants.get('api')?.start?.stopTimeoutMs).toBe(2500);
    });

    it('keeps placeholders as written, doubled braces included', () => {
      const mesh = loadMesh(
        manifest(
          'pacticipants:',
          ...api,
          '      env:',
          '        SECRET: "{secret:one}"',
          '        JSON: \'{{"a": 1}}\'',
          '    states: { url: /_pact/states, env: { STATES: "on" } }',
          '  cli:',
          '    kind: consumer',
          '    tests:',
          '      command: run-tests --out {pacts} --root {root}',
          '      pacts: out',
          '      env: { ROOT: "{root}" }',
          'contracts:',
          '  - { consumer: cli, provider: api }',
        ),
      );
      expect(mesh.pacticipants.get('api')?.start?.env).toEqual({
        SECRET: '{secret:one}',
        JSON: '{{"a": 1}}',
      });
      expect(mesh.pacticipants.get('api')?.states).toEqual({
        url: '/_pact/states',
        env: { STATES: 'on' },
      });
      expect(mesh.pacticipants.get('cli')?.tests?.command).toBe(
        'run-tests --out {pacts} --root {root}',
      );
    });

    it('reads an already running service and flow rules in camelCase', () => {
      const mesh = loadMesh(
        manifest(
          'pacticipants:',
          '  api: { kind: http, url: "http://127.0.0.1:8080" }',
          '  events:',
          '    kind: message',
          '    ws:',
          '      url: ws://127.0.0.1:8080/socket',
          '      flow:',
          '        discriminator: type',
          '        group-by: run_id',
          '        first: started',
          '        sequence: seq',
          '        pairs: [{ open: tool_started, close: tool_done, key: call_id }]',
          '    url: http://127.0.0.1:8080',
          ...web,
          ...contract,
          '  - { consumer: web, provider: events }',
        ),
      );
      expect(mesh.pacticipants.get('api')?.url).toBe('http://127.0.0.1:8080');
      expect(mesh.pacticipants.get('events')?.ws?.flow).toEqual({
        discriminator: 'type',
        groupBy: 'run_id',
        first: 'started',
        sequence: 'seq',
        pairs: [{ open: 'tool_started', close: 'tool_done', key: 'call_id' }],
      });
    });
  });

  describe('when the manifest is not valid', () => {
    it('names a file it cannot read', () => {
      expect(() => loadMesh(join(dir, 'none.yaml'))).toThrow(
        `${join(dir, 'none.yaml')}: cannot read the mesh manifest`,
      );
    });

    it('reports the first YAML syntax error at its line and column (the rest follow from it)', () => {
      expect(problems('pacticipants:', '  api: { kind: http', 'contracts: []')).toEqual([
        expect.stringMatching(/^mesh\.yaml:3:1: yaml: /),
      ]);
    });

    it('refuses aliases that expand without bound', () => {
      // Each line holds ten of the one before: 100,000 x's from five short lines.
      const laughs = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
      for (const [previous, name] of ['ab', 'bc', 'cd', 'de'])
        laughs.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(', ')}]`);
      expect(problems(...laughs)).toEqual([
        'mesh.yaml: yaml: Excessive alias count indicates a resource exhaustion attack',
      ]);
    });

    it('reports a key given twice', () => {
      expect(problems('pacticipants:', ...api, '    kind: http', ...web, ...contract)).toEqual([
        expect.stringMatching(/^mesh\.yaml:6:5: yaml: Map keys must be unique/),
      ]);
    });

    it('reports every schema error at once, each at the line and column of its node', () => {
      expect(
        problems(
          'pacticipants:',
          '  api:',
          '    kind: grpc',
          '    strat:',
          '      command: node main.js',
          '  web:',
          '    kind: consumer',
          '    tests:',
          '      command: npm test',
          '  jobs:',
          '    kind: http',
          '    start:',
          '      command: ./jobs',
          '      ready: { timeout: 30 seconds }',
          '      env: { DELAY_MS: 0 }',
          ...contract,
        ),
      ).toEqual([
        'mesh.yaml:3:11: /pacticipants/api/kind: must be one of "http", "message", "consumer"',
        'mesh.yaml:4:5: /pacticipants/api/strat: is not allowed',
        'mesh.yaml:8:5: /pacticipants/web/tests/pacts: is required',
        'mesh.yaml:14:25: /pacticipants/jobs/start/ready/timeout: must match pattern "^[0-9]{1,9}(ms|s|m)$"',
        'mesh.yaml:15:24: /pacticipants/jobs/start/env/DELAY_MS: must be string',
      ]);
    });

    it('reports an empty manifest at its start', () => {
      expect(problems('# nothing yet')).toEqual(['mesh.yaml:1:1: /: must be object']);
    });

    it('reports a contract naming a pacticipant that does not exist', () => {
      expect(
        problems(
          'pacticipants:',
          ...api,
          ...web,
          'contracts:',
          '  - { consumer: wab, provider: api }',
        ),
      ).toEqual(['mesh.yaml:10:17: /contracts/0/consumer: wab is not a pacticipant']);
    });

    it('reports a provider meshpact cannot reach or that only consumes', () => {
      expect(
        problems(
          'pacticipants:',
          '  api: { kind: http }',
          ...web,
          'contracts:',
          '  - { consumer: web, provider: api }',
          '  - { consumer: api, provider: web }',
        ),
      ).toEqual([
        'mesh.yaml:7:32: /contracts/0/provider: api has neither start, url nor served-by, so it cannot be verified',
        'mesh.yaml:8:32: /contracts/1/provider: web has kind consumer; a provider has kind http or message',
      ]);
    });

    it('reports served-by naming an unknown pacticipant or one without start or url', () => {
      expect(
        problems(
          'pacticipants:',
          ...api,
          '  events: { kind: message, served-by: ghost }',
          '  more: { kind: message, served-by: web }',
          ...web,
          ...contract,
        ),
      ).toEqual([
        'mesh.yaml:6:39: /pacticipants/events/served-by: ghost is not a pacticipant',
        'mesh.yaml:7:37: /pacticipants/more/served-by: web has neither start nor url, so it cannot serve more',
      ]);
    });

    it('reports start and url both', () => {
      expect(
        problems('pacticipants:', ...api, '    url: http://127.0.0.1:8080', ...web, ...contract),
      ).toEqual(['mesh.yaml:6:5: /pacticipants/api/url: give start or url, not both']);
    });

    it('reports unknown placeholders and lone braces, by where they are', () => {
      expect(
        problems(
          'pacticipants:',
          ...api,
          `      env: { A: "{pacts}", B: "{ghost.url}", C: "{web.url}", D: '{"a": 1}}' }`,
          '  web:',
          '    kind: consumer',
          '    tests: { command: "run {port}", pacts: pacts }',
          ...contract,
        ),
      ).toEqual([
        'mesh.yaml:6:17: /pacticipants/api/start/env/A: unknown placeholder {pacts}; here meshpact knows {port}, {url}, {root}, {secret:<name>}, {<pacticipant>.url}',
        'mesh.yaml:6:31: /pacticipants/api/start/env/B: {ghost.url}: ghost is not a pacticipant',
        'mesh.yaml:6:49: /pacticipants/api/start/env/C: {web.url}: web has neither start nor url',
        'mesh.yaml:6:65: /pacticipants/api/start/env/D: a lone "}" at 8: write "}}" for a brace',
        'mesh.yaml:9:23: /pacticipants/web/tests/command: unknown placeholder {port}; here meshpact knows {pacts}, {root}',
      ]);
    });

    it('reports a cycle of {x.url} dependencies once, where it closes', () => {
      expect(
        problems(
          'pacticipants:',
          '  a: { kind: http, start: { command: "a --b {b.url}" } }',
          '  b: { kind: http, start: { command: b, env: { C: "{c.url}" } } }',
          '  c: { kind: http, start: { command: c }, states: { url: /s, env: { A: "{a.url}" } } }',
          '  d: { kind: http, start: { command: "d {d.url}" } }',
          ...web,
          'contracts:',
          '  - { consumer: web, provider: a }',
          '  - { consumer: web, provider: d }',
        ),
      ).toEqual([
        'mesh.yaml:4:72: /pacticipants/c/states/env/A: {a.url} closes a cycle: a -> b -> c -> a',
        'mesh.yaml:5:38: /pacticipants/d/start/command: {d.url} closes a cycle: d -> d',
      ]);
    });

    it('reports a cycle that runs through a url naming another service', () => {
      expect(
        problems(
          'pacticipants:',
          '  a: { kind: http, start: { command: "a --b {b.url}" } }',
          '  b: { kind: http, url: "http://127.0.0.1:9/?upstream={a.url}" }',
          ...web,
          'contracts:',
          '  - { consumer: web, provider: a }',
        ),
      ).toEqual(['mesh.yaml:3:25: /pacticipants/b/url: {a.url} closes a cycle: a -> b -> a']);
    });

    it('refuses a lone surrogate in a command or an env value, and keeps a whole emoji', () => {
      const pattern = 'must match pattern "^[^\\u0000\\uD800-\\uDFFF]*$"';
      expect(
        problems(
          'pacticipants:',
          '  api: { kind: http, start: { command: "run \\ud800", env: { A: "\\udfff" } } }',
          ...web,
          ...contract,
        ),
      ).toEqual([
        `mesh.yaml:2:40: /pacticipants/api/start/command: ${pattern}`,
        `mesh.yaml:2:64: /pacticipants/api/start/env/A: ${pattern}`,
      ]);
      expect(() =>
        loadMesh(
          manifest(
            'pacticipants:',
            '  api: { kind: http, start: { command: "echo \\ud83d\\ude80" } }',
            ...web,
            ...contract,
          ),
        ),
      ).not.toThrow();
    });

    it('refuses a NUL in a command or a path, and a duration no clock keeps', () => {
      expect(
        problems(
          'pacticipants:',
          '  api: { kind: http, start: { command: "run\\0 it", stop-timeout: 9999999999s } }',
          '  web: { kind: consumer, tests: { command: t, pacts: "p\\0q" } }',
          ...contract,
        ),
      ).toEqual([
        'mesh.yaml:2:40: /pacticipants/api/start/command: must match pattern "^[^\\u0000\\uD800-\\uDFFF]*$"',
        'mesh.yaml:2:66: /pacticipants/api/start/stop-timeout: must match pattern "^[0-9]{1,9}(ms|s|m)$"',
        'mesh.yaml:3:54: /pacticipants/web/tests/pacts: must match pattern "^[^\\u0000\\uD800-\\uDFFF]*$"',
      ]);
    });

    it('reports a name it does not allow at its key, once', () => {
      expect(
        problems(
          'pacticipants:',
          ...api,
          '      env: { BAD-KEY: x }',
          ...web,
          '  my service: { kind: consumer }',
          ...contract,
        ),
      ).toEqual([
        'mesh.yaml:6:14: /pacticipants/api/start/env/BAD-KEY: is not an allowed name: must match pattern "^[A-Za-z_][A-Za-z0-9_]*$"',
        'mesh.yaml:10:3: /pacticipants/my service: is not an allowed name: must match pattern "^[A-Za-z0-9][A-Za-z0-9._-]*$"',
      ]);
    });

    it('reports a contract pair given twice', () => {
      expect(
        problems(
          'pacticipants:',
          ...api,
          ...web,
          ...contract,
          '  - { consumer: web, provider: api }',
        ),
      ).toEqual([
        'mesh.yaml:11:5: /contracts/1: web -> api is given twice (first at /contracts/0)',
      ]);
    });
  });
});

describe('meshFileOf', () => {
  it('takes the file named, else MESHPACT_MESH, else contracts/mesh.yaml', () => {
    expect(meshFileOf({ MESHPACT_MESH: 'env.yaml' }, 'flag.yaml')).toBe('flag.yaml');
    expect(meshFileOf({ MESHPACT_MESH: 'env.yaml' })).toBe('env.yaml');
    expect(meshFileOf({ MESHPACT_MESH: '' })).toBe('contracts/mesh.yaml');
    expect(meshFileOf({})).toBe('contracts/mesh.yaml');
  });

  it('is what loadMesh reads when given no file', () => {
    const file = manifest('pacticipants:', ...api, ...web, ...contract);
    const before = process.env.MESHPACT_MESH;
    process.env.MESHPACT_MESH = file;
    try {
      expect(loadMesh().file).toBe(file);
    } finally {
      if (before === undefined) delete process.env.MESHPACT_MESH;
      else process.env.MESHPACT_MESH = before;
    }
  });
});
