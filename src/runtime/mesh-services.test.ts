import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { Mesh, Pacticipant, StartCommand } from '../contracts/mesh-model.js';
import { freePort } from './ports.js';
import { listen } from './listen.js';
import { startMeshServices, startOrder } from './mesh-services.js';
import { packageRoot } from './paths.js';

const fixture = join(packageRoot(), 'src/runtime/__fixtures__/echo-service.js');
const start = (env: Record<string, string> = {}): StartCommand => ({
  command: `node ${fixture}`,
  cwd: packageRoot(),
  env,
  port: 'auto',
  ready: { http: '/ready', timeoutMs: 20_000 },
  stopTimeoutMs: 5_000,
});

function meshOf(...pacticipants: Pacticipant[]): Mesh {
  return {
    file: '/mesh.yaml',
    root: packageRoot(),
    pacticipants: new Map(pacticipants.map((p) => [p.name, p])),
    contracts: [],
  };
}

/** Where the services' output goes: nowhere, the tests read what they need over HTTP. */
const quiet = { write: () => true };

const envOf = async (url: string) =>
  ((await (await fetch(`${url}/env`)).json()) as { env: Record<string, string> }).env;

describe('startMeshServices', () => {
  describe('when services depend on each other', () => {
    let outside: { url: string; close(): Promise<void> };
    beforeAll(async () => {
      const server: Server = createServer((_req, res) => res.writeHead(404).end());
      outside = await listen(server, { host: '127.0.0.1', port: 0 });
    });
    afterAll(() => outside.close());

    it('starts them in dependency order with the same secret everywhere, reaches url: ones, and stops them', async () => {
      const mesh = meshOf(
        {
          name: 'api',
          kind: 'http',
          start: start({ AUTH: '{auth.url}', SEARCH: '{search.url}', KEY: '{secret:k}' }),
          states: { url: '/_pact/provider-states', env: { STATES: 'on' } },
        },
        { name: 'auth', kind: 'http', start: start({ KEY: '{secret:k}' }) },
        { name: 'search', kind: 'http', url: outside.url },
        { name: 'events', kind: 'message', servedBy: 'api', ws: { url: '/ws' } },
      );
      const services = await startMeshServices(mesh, ['events'], { states: true, output: quiet });
      const apiUrl = services.urlOf('api');
      try {
        expect(services.services.map(({ name, started }) => [name, started])).toEqual([
          ['auth', true],
          ['search', false],
          ['api', true],
        ]);
        const [auth, search, api] = services.services.map((service) => service.url);
        expect(services.urlOf('events')).toBe(api);
        const apiEnv = await envOf(api!);
        const authEnv = await envOf(auth!);
        expect(apiEnv).toMatchObject({ AUTH: auth, SEARCH: search, STATES: 'on' });
        expect(apiEnv.KEY).toMatch(/^[\w-]{32}$/);
        expect(authEnv.KEY).toBe(apiEnv.KEY);
      } finally {
        await services.close();
      }
      await expect(fetch(apiUrl)).rejects.toThrow();
    });
  });

  describe('when a service cannot be reached', () => {
    it('stops what it started and names the one at fault', async () => {
      const port = await freePort();
      const mesh = meshOf(
        { name: 'first', kind: 'http', start: start() },
        { name: 'gone', kind: 'http', url: `http://127.0.0.1:${port}` },
        { name: 'last', kind: 'http', start: start({ A: '{first.url}', B: '{gone.url}' }) },
      );
      await expect(startMeshServices(mesh, ['last'], { output: quiet })).rejects.toMatchObject({
        code: 'service_start_failed',
        message: `gone at http://127.0.0.1:${port} did not answer: ECONNREFUSED`,
      });
    });
  });
});

describe('startOrder', () => {
  it('refuses a cycle, naming it', () => {
    const mesh = meshOf(
      { name: 'a', kind: 'http', start: start({ B: '{b.url}' }) },
      { name: 'b', kind: 'http', start: start({ A: '{a.url}' }) },
    );
    expect(() => startOrder(mesh, ['a'], false)).toThrow(
      '/mesh.yaml: the services depend on each other in a cycle: a -> b -> a',
    );
  });

  it('gives a service the states.env of the message providers it serves, when states are served', async () => {
    const mesh = meshOf(
      { name: 'api', kind: 'http', start: start(), states: { url: '/s', env: { API: 'on' } } },
      {
        name: 'events',
        kind: 'message',
        servedBy: 'api',
        states: { url: '/events-states', env: { EVENTS: 'on' } },
      },
    );
    const services = await startMeshServices(mesh, ['events'], { states: true, output: quiet });
    try {
      expect(await envOf(services.urlOf('events'))).toMatchObject({ API: 'on', EVENTS: 'on' });
    } finally {
      await services.close();
    }
  });

  it('counts states.env only when states are served', () => {
    const mesh = meshOf(
      { name: 'a', kind: 'http', start: start(), states: { url: '/s', env: { B: '{b.url}' } } },
      { name: 'b', kind: 'http', start: start() },
    );
    expect(startOrder(mesh, ['a'], false).map((p) => p.name)).toEqual(['a']);
    expect(startOrder(mesh, ['a'], true).map((p) => p.name)).toEqual(['b', 'a']);
  });
});
