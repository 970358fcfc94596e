import type { Mesh, Pacticipant, StartCommand } from '../contracts/mesh-model.js';
import { loadMesh } from '../contracts/mesh.js';
import { providersSharingServices } from './provider-groups.js';

const start = (env: Record<string, string> = {}): StartCommand => ({
  command: 'node service.js',
  cwd: '/',
  env,
  port: 'auto',
  ready: { http: '/ready', timeoutMs: 1_000 },
  stopTimeoutMs: 1_000,
});

function meshOf(...pacticipants: Pacticipant[]): Mesh {
  return {
    file: '/mesh.yaml',
    root: '/',
    pacticipants: new Map(pacticipants.map((p) => [p.name, p])),
    contracts: [],
  };
}

describe('providersSharingServices', () => {
  it('puts the providers of this repository in one group: all of them need auth-service', () => {
    expect(
      providersSharingServices(loadMesh(), ['auth-service', 'backend-api', 'backend-events']),
    ).toEqual([['auth-service', 'backend-api', 'backend-events']]);
  });

  it('keeps providers that share no service apart, each group in the order given', () => {
    const mesh = meshOf(
      { name: 'orders', kind: 'http', start: start() },
      { name: 'catalog', kind: 'http', start: start() },
      { name: 'search', kind: 'http', url: 'http://127.0.0.1:9/' },
    );
    expect(providersSharingServices(mesh, ['search', 'orders', 'catalog'])).toEqual([
      ['search'],
      ['orders'],
      ['catalog'],
    ]);
  });

  it('groups a message provider with the service that serves its socket', () => {
    const mesh = meshOf(
      { name: 'api', kind: 'http', start: start() },
      { name: 'events', kind: 'message', servedBy: 'api', ws: { url: '/ws' } },
      { name: 'billing', kind: 'http', start: start() },
    );
    expect(providersSharingServices(mesh, ['events', 'billing', 'api'])).toEqual([
      ['events', 'api'],
      ['billing'],
    ]);
  });

  it('joins two groups that a later provider both depends on, keeping the order given', () => {
    const mesh = meshOf(
      { name: 'users', kind: 'http', start: start() },
      { name: 'stock', kind: 'http', url: 'http://127.0.0.1:9/' },
      { name: 'shop', kind: 'http', start: start({ U: '{users.url}', S: '{stock.url}' }) },
      { name: 'mail', kind: 'http', start: start() },
    );
    expect(providersSharingServices(mesh, ['stock', 'mail', 'users', 'shop'])).toEqual([
      ['stock', 'users', 'shop'],
      ['mail'],
    ]);
  });

  it('counts a dependency of the states only (states.env) as shared', () => {
    const mesh = meshOf(
      { name: 'tokens', kind: 'http', start: start() },
      {
        name: 'api',
        kind: 'http',
        start: start(),
        states: { url: '/_pact/provider-states', env: { TOKENS: '{tokens.url}' } },
      },
    );
    expect(providersSharingServices(mesh, ['api', 'tokens'])).toEqual([['api', 'tokens']]);
  });
});
