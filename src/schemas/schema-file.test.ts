import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../runtime/paths.js';
import { schemaFileCheck } from './schema-file.js';

describe('schemaFileCheck', () => {
  it("checks frames against backend-events' server-frame schema, reading the files it references", () => {
    const check = schemaFileCheck(join(packageRoot(), 'schemas/events/server-frame.json'));

    expect(check({ type: 'pong', id: 'p1', server_time: '2026-01-02T03:04:05.678Z' })).toEqual([]);
    expect(check({ type: 'pong', server_time: '2026-01-02T03:04:05.678Z' })).toEqual([
      { path: '/id', message: 'is required' },
    ]);
  });

  it('reads a schema without $id, whose references are paths beside it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'schema-file-'));
    mkdirSync(join(dir, 'parts'));
    writeFileSync(
      join(dir, 'frame.json'),
      JSON.stringify({ oneOf: [{ $ref: 'parts/hello.json' }] }),
    );
    writeFileSync(
      join(dir, 'parts/hello.json'),
      JSON.stringify({
        type: 'object',
        properties: { kind: { const: 'hello' } },
        required: ['kind'],
      }),
    );
    const check = schemaFileCheck(join(dir, 'frame.json'));

    expect(check({ kind: 'hello' })).toEqual([]);
    expect(check({ kind: 'bye' })).not.toEqual([]);
  });

  it('says which file it cannot read', () => {
    expect(() => schemaFileCheck('/nowhere/frame.json')).toThrow(
      /cannot read the schema \/nowhere\/frame.json/,
    );
  });
});
