import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMesh } from './mesh.js';

describe('loadMesh', () => {
  it("reads the repository's mesh: who provides, who serves, how each is started", () => {
    const mesh = loadMesh();
    expect(mesh.pacticipants.get('auth-service')?.start).toEqual({ service: 'auth' });
    expect(mesh.pacticipants.get('backend-api')?.start).toEqual({ service: 'backend' });
    expect(mesh.pacticipants.get('backend-events')).toMatchObject({
      kind: 'message',
      servedBy: 'backend-api',
    });
    expect(mesh.contracts).toHaveLength(4);
  });

  it('refuses a service meshpact cannot start, naming the pacticipant', () => {
    const root = mkdtempSync(join(tmpdir(), 'meshpact-mesh-'));
    try {
      mkdirSync(join(root, 'contracts'));
      writeFileSync(
        join(root, 'contracts/mesh.yaml'),
        'pacticipants:\n  billing:\n    kind: http\n    openapi: billing.yaml\n    start: { service: billing }\n',
      );
      expect(() => loadMesh(root)).toThrow(
        'contracts/mesh.yaml: pacticipant billing: start.service must be one of auth, backend',
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
