import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultSchemaDir } from '../schemas/schema-files.js';
import { ConsumerContract, ContractExampleError, match } from './consumer-contract.js';
import { loadMesh } from './mesh.js';

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
    const root = mkdtempSync(join(tmpdir(), 'meshpact-schemas-'));
    try {
      cpSync(defaultSchemaDir(), join(root, 'schemas'), { recursive: true });
      writeFileSync(
        join(root, 'mesh.yaml'),
        [
          'pacticipants:',
          '  auth-service: { kind: http, openapi: schemas/openapi/auth.yaml, url: http://127.0.0.1:9 }',
          '  web-app: { kind: consumer }',
          'contracts: [{ consumer: web-app, provider: auth-service }]',
        ].join('\n'),
      );
      const file = join(root, 'schemas/auth/user.json');
      const schema = JSON.parse(readFileSync(file, 'utf8')) as {
        required: string[];
        properties: Record<string, unknown>;
      };
      schema.properties.avatar_url = { type: 'string', format: 'uri' };
      schema.required.push('avatar_url');
      writeFileSync(file, JSON.stringify(schema));

      const changed = contract({ mesh: loadMesh(join(root, 'mesh.yaml')) });
      await expect(changed.http(me(user), () => Promise.resolve())).rejects.toThrow(
        '/avatar_url is required',
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  describe('conversation', () => {
    const events = () =>
      new ConsumerContract({ consumer: 'web-app', provider: 'backend-events', dir });
    const greeting = {
      type: 'connection_established',
      connection_id: '863edae5-fb76-47b9-a483-e37cf82d715d',
      user_id: 'd9ae873f-f181-4496-a5c5-2ff0bfcda324',
      server_time: '2026-01-02T03:04:05.678Z',
    };
    const pong = { type: 'pong', id: 'p1', server_time: '2026-01-02T03:04:05.678Z' };

    it('writes a synchronous message: {connection, frames} answered by {frames}', async () => {
      const seen = await events().conversation(
        {
          description: 'a ping',
          connection: { path: '/ws', subprotocols: ['meshpact.v1'] },
          send: [{ type: 'ping', id: match.string('p1') }, 'not json'],
          receive: [greeting, pong],
        },
        (example) => example,
      );

      expect(seen).toEqual({
        connection: { path: '/ws', subprotocols: ['meshpact.v1'] },
        send: [{ type: 'ping', id: 'p1' }, 'not json'],
        receive: [greeting, pong],
      });
      const pact = JSON.parse(readFileSync(join(dir, 'web-app-backend-events.json'), 'utf8')) as {
        interactions: { type: string; request: unknown; response: unknown[] }[];
      };
      expect(pact.interactions[0]).toMatchObject({
        type: 'Synchronous/Messages',
        request: {
          contents: {
            content: {
              connection: { path: '/ws', subprotocols: ['meshpact.v1'] },
              frames: [{ type: 'ping', id: 'p1' }, 'not json'],
            },
          },
        },
        response: [{ contents: { content: { frames: [greeting, pong] } } }],
      });
    });

    it('refuses a client frame written as JSON that breaks its schema, naming the frame', async () => {
      const attempt = events().conversation(
        { description: 'a ping', send: [{ type: 'ping' }], receive: [greeting, pong] },
        () => undefined,
      );
      await expect(attempt).rejects.toThrow(
        '"a ping" sent frames[0] (events/client-frame): /id is required',
      );
    });

    it('refuses a server frame that breaks its schema, naming the frame and field', async () => {
      const { id, ...noId } = pong;
      expect(id).toBe('p1');
      const attempt = events().conversation(
        { description: 'a ping', send: [{ type: 'ping', id: 'p1' }], receive: [greeting, noId] },
        () => undefined,
      );
      await expect(attempt).rejects.toThrow(
        '"a ping" frames[1] (events/server-frame): /id is required',
      );
    });
  });
});
