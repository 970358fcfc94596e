import { join } from 'node:path';
import { packageRoot } from '../runtime/paths.js';
import { loadMesh } from './mesh.js';

describe('loadMesh', () => {
  it("reads the repository's mesh: services started by command, states, who serves, who tests", () => {
    const root = packageRoot();
    const mesh = loadMesh();
    expect(mesh.root).toBe(root);
    expect(mesh.pacticipants.get('auth-service')).toMatchObject({
      openapi: join(root, 'schemas/openapi/auth.yaml'),
      start: {
        command: 'node dist/providers/auth/main.js',
        cwd: root,
        port: 'auto',
        ready: { http: '/readyz', timeoutMs: 30_000 },
        database: 'postgres',
        stopTimeoutMs: 10_000,
      },
      states: { url: '/_pact/provider-states', env: { PACT_PROVIDER_STATES: 'on' } },
    });
    expect(mesh.pacticipants.get('backend-events')).toMatchObject({
      kind: 'message',
      servedBy: 'backend-api',
      ws: { url: '/ws', frameSchema: join(root, 'schemas/events/server-frame.json') },
    });
    expect(mesh.pacticipants.get('web-app')?.tests).toEqual({
      command: 'npm run -s contract-tests -- consumers/web',
      cwd: root,
      env: {},
      pacts: join(root, 'contracts/pacts'),
    });
    expect(mesh.contracts).toHaveLength(4);
  });
});
