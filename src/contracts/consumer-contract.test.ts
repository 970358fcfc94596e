import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSchemaRegistry } from '../schemas/registry.js';
import { defaultSchemaDir } from '../schemas/schema-files.js';
import { ConsumerContract, ContractExampleError, match } from './consumer-contract.js';

const user = {
  id: match.uuid('d9ae873f-f181-4496-a5c5-2ff0bfcda324'),
  email: 'alice@example.com',
  name: 'Alice',
  tenant_id: match.uuid('c5906cf4-a819-4a84-8d7f-a8aca4ecaf0c'),
};
const me = (body: unknown) => ({
  description: 'a request for the signed-in user',
  request: { method: 'GET' as const, path: '/auth/me' },
  response: { status: 200, body },
});

describe('ConsumerContract', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'meshpact-pacts-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const contract = (options: Partial<ConstructorParameters<typeof ConsumerContract>[0]> = {}) =>
    new ConsumerContract({ consumer: 'web-app', provider: 'auth-service', dir, ...options });

  it('records an interaction whose examples fit their schemas', async () => {
    await contract().http(me(user), async (baseUrl) => {
      expect((await fetch(`${baseUrl}/auth/me`)).status).toBe(200);
    });
    expect(existsSync(join(dir, 'web-app-auth-service.json'))).toBe(true);
  });

  it('refuses an example that breaks its schema before Pact records it, naming the field', async () => {
    const attempt = contract().http(me({ ...user, email: 'not-an-email' }), () =>
      Promise.resolve(),
    );
    await expect(attempt).rejects.toThrow(ContractExampleError);
    await expect(attempt).rejects.toThrow(
      '"a request for the signed-in user" response body (auth/user): /email must match format "email"',
    );
    expect(existsSync(join(dir, 'web-app-auth-service.json'))).toBe(false);
  });

  it('fails a formerly fine example once its schema changes', async () => {
    const schemas = mkdtempSync(join(tmpdir(), 'meshpact-schemas-'));
    try {
      cpSync(defaultSchemaDir(), schemas, { recursive: true });
      const file = join(schemas, 'auth/user.json');
      const schema = JSON.parse(readFileSync(file, 'utf8')) as {
        required: string[];
        properties: Record<string, unknown>;
      };
      schema.properties.avatar_url = { type: 'string', format: 'uri' };
      schema.required.push('avatar_url');
      writeFileSync(file, JSON.stringify(schema));

      const changed = contract({ registry: createSchemaRegistry(schemas) });
      await expect(changed.http(me(user), () => Promise.resolve())).rejects.toThrow(
        '/avatar_url is required',
      );
    } finally {
      rmSync(schemas, { recursive: true, force: true });
    }
  });

  it('refuses a frame of a run flow that breaks its schema, naming the frame and field', async () => {
    const events = new ConsumerContract({ consumer: 'web-app', provider: 'backend-events', dir });
    const frame = {
      type: 'agent_started',
      event_id: '8cbd2b99-8e63-4f3a-830d-f4bce56ff0a5',
      run_id: 'bcfa52c6-dffc-4985-8f55-4bf317fa76fb',
      thread_id: '3c951ac6-7161-4649-9695-eeeebff9c1b8',
      agent_name: 'calculator',
      timestamp: '2026-01-02T03:04:05.678Z',
      task_description: 'What is 6*7?',
    };
    const attempt = events.message(
      { description: 'a run', contents: { frames: [{ ...frame, seq: 1 }, frame] } },
      () => undefined,
    );
    await expect(attempt).rejects.toThrow(
      '"a run" frames[1] (events/server-frame): /seq is required',
    );
  });
});
