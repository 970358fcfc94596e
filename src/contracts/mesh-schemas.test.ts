import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../runtime/paths.js';
import { loadMesh } from './mesh.js';
import { checkMeshSchemas } from './mesh-schemas.js';

describe('checkMeshSchemas', () => {
  it('compiles every schema the built-in mesh names and finds each example valid', () => {
    const report = checkMeshSchemas(loadMesh(join(packageRoot(), 'contracts/mesh.yaml')));

    expect(report.problems).toEqual([]);
    // The OpenAPI bodies of auth-service and backend-api, and both frame schemas of backend-events.
    expect(report.schemas).toBeGreaterThanOrEqual(20);
    expect(report.examples).toBeGreaterThanOrEqual(report.schemas);
  });

  describe('on a mesh of its own', () => {
    let root: string;
    beforeEach(() => {
      root = mkdtempSync(join(tmpdir(), 'meshpact-mesh-schemas-'));
    });
    afterEach(() => rmSync(root, { recursive: true, force: true }));

    const meshWith = (ws: string) => {
      writeFileSync(
        join(root, 'mesh.yaml'),
        [
          'pacticipants:',
          `  feed: { kind: message, url: http://127.0.0.1:9, ws: ${ws} }`,
          '  app: { kind: consumer }',
          'contracts: [{ consumer: app, provider: feed }]',
        ].join('\n'),
      );
      return loadMesh(join(root, 'mesh.yaml'));
    };

    it('names an example that breaks its schema, and a schema that does not compile', () => {
      writeFileSync(
        join(root, 'frame.json'),
        JSON.stringify({
          type: 'object',
          required: ['kind'],
          properties: { kind: { type: 'string' } },
          examples: [{ kind: 'hello' }, { kind: 7 }],
        }),
      );
      writeFileSync(join(root, 'sent.json'), JSON.stringify({ type: 'no such type' }));

      const report = checkMeshSchemas(
        meshWith('{ url: /socket, frame-schema: frame.json, client-frame-schema: sent.json }'),
      );

      expect(report.schemas).toBe(1);
      expect(report.examples).toBe(2);
      expect(report.problems).toEqual([
        'frame.json examples[1]: /kind must be string',
        expect.stringMatching(/^sent\.json: the schema .*sent\.json does not compile/),
      ]);
    });

    it('has nothing to check when the mesh names no schema', () => {
      expect(checkMeshSchemas(meshWith('{ url: /socket }'))).toEqual({
        schemas: 0,
        examples: 0,
        problems: [],
      });
    });
  });
});
