import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../runtime/paths.js';
import { defaultSchemaDir } from './schema-files.js';
import { generateTypes, generatedTypesFile } from './typegen.js';

describe('generated types', () => {
  it('are current: run `npm run gen` after changing a schema', async () => {
    const checkedIn = readFileSync(join(packageRoot(), generatedTypesFile), 'utf8');
    expect(await generateTypes(defaultSchemaDir())).toBe(checkedIn);
  }, 30_000);

  it('change when a schema changes, so the check above can fail', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'meshpact-schemas-'));
    try {
      cpSync(defaultSchemaDir(), copy, { recursive: true });
      const file = join(copy, 'auth/user.json');
      const schema = JSON.parse(readFileSync(file, 'utf8')) as {
        required: string[];
        properties: Record<string, unknown>;
      };
      schema.properties.nickname = { type: 'string' };
      schema.required.push('nickname');
      writeFileSync(file, JSON.stringify(schema));

      const types = await generateTypes(copy);
      expect(types).toMatch(/export interface User \{[^}]*\n {2}nickname: string;/);
      expect(types).not.toBe(await generateTypes(defaultSchemaDir()));
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  }, 30_000);

  it('map each schema name to its type', async () => {
    const types = await generateTypes(defaultSchemaDir());
    expect(types).toContain("'auth/user': User;");
    expect(types).toContain("'events/agent-started': AgentStarted;");
  }, 30_000);
});
