import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';

// A team's repository for schema review tests, made inside the test: a mesh
// in a folder of a git repository (`team/`), with an auth API (OpenAPI) and
// an event stream (AsyncAPI, and the manifest's frame schemas) whose schemas
// chain $refs across files, and the pacts of two consumers: web-app uses logins, its profile, sessions and the
// events; backend-api only introspects tokens. `main` holds the schemas
// below; a test edits the working tree and reviews it against main.

type Json = Record<string, unknown>;

const json = (ref: string) => ({ content: { 'application/json': { schema: { $ref: ref } } } });

export const baseSchemas = (): Record<string, Json> => ({
  'common/id.json': { type: 'string', format: 'uuid' },
  'auth/user.json': {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'email', 'role'],
    properties: {
      id: { $ref: '../common/id.json' },
      email: { type: 'string' },
      role: { enum: ['admin', 'member'] },
      tags: { type: 'array', items: { type: 'string', maxLength: 20 } },
    },
  },
  'auth/token.json': {
    type: 'object',
    required: ['access_token', 'refresh_token', 'expires_in', 'user'],
    properties: {
      access_token: { type: 'string' },
      refresh_token: { type: 'string', minLength: 16 },
      expires_in: { type: 'integer', minimum: 1, maximum: 3600 },
      user: { $ref: 'user.json' },
    },
  },
  'auth/me.json': {
    allOf: [
      { $ref: 'user.json' },
      { type: 'object', properties: { last_login: { type: 'string', format: 'date-time' } } },
    ],
  },
  'auth/login-request.json': {
    type: 'object',
    additionalProperties: false,
    required: ['email', 'password'],
    properties: {
      email: { type: 'string' },
      password: { type: 'string', minLength: 8 },
      remember: { type: ['boolean', 'string'] },
      mode: { enum: ['password', 'otp'] },
    },
  },
  'auth/introspection.json': {
    type: 'object',
    required: ['active'],
    properties: { active: { type: 'boolean' }, sub: { $ref: '../common/id.json' } },
  },
  'openapi/billing.yaml': {
    openapi: '3.1.0',
    info: { title: 'billing', version: '1' },
    paths: {
      '/invoices/{id}': {
        get: {
          responses: {
            '200': {
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    required: ['id'],
                    properties: { id: { type: 'string' } },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
  'openapi/auth.yaml': {
    openapi: '3.1.0',
    info: { title: 'auth', version: '1' },
    paths: {
      '/auth/login': {
        post: {
          requestBody: json('../auth/login-request.json'),
          responses: {
            '200': json('../auth/token.json'),
            '401': { description: 'wrong password' },
          },
        },
      },
      '/auth/introspect': {
        post: {
          responses: {
            // Any JSON media type is read, with its parameters.
            '200': {
              content: {
                'application/json; charset=utf-8': {
                  schema: { $ref: '../auth/introspection.json' },
                },
              },
            },
          },
        },
      },
      '/auth/me': {
        get: {
          parameters: [{ name: 'fields', in: 'query', schema: { type: 'string' } }],
          responses: { '200': json('../auth/me.json') },
        },
      },
      '/auth/sessions/{id}': {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        delete: { responses: { '204': { description: 'ended' } } },
      },
    },
  },
  'events/frames.json': {
    $defs: {
      ping: {
        type: 'object',
        required: ['type'],
        properties: { type: { const: 'ping' } },
      },
      pong: {
        type: 'object',
        required: ['type', 'at'],
        properties: { type: { const: 'pong' }, at: { type: 'string', format: 'date-time' } },
        unevaluatedProperties: false,
      },
      progress: {
        type: 'object',
        required: ['type', 'steps'],
        properties: {
          type: { const: 'progress' },
          steps: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                name: { type: 'string' },
                items: {
                  type: 'array',
                  items: { type: 'object', properties: { done: { type: 'boolean' } } },
                },
              },
            },
          },
          result: { oneOf: [{ type: 'string' }, { type: 'number' }] },
        },
      },
    },
  },
  // The frame schemas of the manifest: every frame either way, as a union of the messages' payloads.
  'events/server-frame.json': {
    oneOf: [{ $ref: 'frames.json#/$defs/pong' }, { $ref: 'frames.json#/$defs/progress' }],
  },
  'events/client-frame.json': { oneOf: [{ $ref: 'frames.json#/$defs/ping' }] },
  'asyncapi/events.yaml': {
    asyncapi: '3.0.0',
    info: { title: 'events', version: '1' },
    operations: {
      receivePing: { action: 'receive', messages: [{ $ref: '#/components/messages/ping' }] },
      sendPong: { action: 'send', messages: [{ $ref: '#/components/messages/pong' }] },
      sendProgress: { action: 'send', messages: [{ $ref: '#/components/messages/progress' }] },
    },
    components: {
      messages: {
        ping: { name: 'ping', payload: { $ref: '../events/frames.json#/$defs/ping' } },
        pong: { name: 'pong', payload: { $ref: '../events/frames.json#/$defs/pong' } },
        progress: { name: 'progress', payload: { $ref: '../events/frames.json#/$defs/progress' } },
      },
    },
  },
});

const body = (content: unknown) => ({ content, contentType: 'application/json', encoded: false });
const http = (description: string, request: Json, status: number, response?: unknown) => ({
  type: 'Synchronous/HTTP',
  description,
  request: { ...request, ...(request.body ? { body: body(request.body) } : {}) },
  response: { status, ...(response ? { body: body(response) } : {}) },
});
const pact = (consumer: string, provider: string, interactions: unknown[]) => ({
  consumer: { name: consumer },
  provider: { name: provider },
  interactions,
  metadata: { pactSpecification: { version: '4.0' } },
});
const user = {
  id: '3c951ac6-7161-4649-9695-eeeebff9c1b8',
  email: 'a@example.com',
  role: 'member',
  tags: ['x'],
};

/** web-app's pact with auth-service; `withRefreshToken: false` is a later version that no longer reads it. */
export const webAppAuthPact = (withRefreshToken = true) =>
  pact('web-app', 'auth-service', [
    http(
      'a login with the right password',
      {
        method: 'POST',
        path: '/auth/login',
        body: { email: 'a@example.com', password: 'correct horse' },
      },
      200,
      {
        access_token: 'a.b.c',
        ...(withRefreshToken ? { refresh_token: 'r'.repeat(16) } : {}),
        expires_in: 900,
        user,
      },
    ),
    http(
      'a login with a wrong password',
      {
        method: 'POST',
        path: '/auth/login',
        body: { email: 'a@example.com', password: 'wrong horse' },
      },
      401,
    ),
    http('a request for the signed-in user', { method: 'GET', path: '/auth/me' }, 200, {
      ...user,
      last_login: '2026-01-02T03:04:05Z',
    }),
    http(
      'a logout',
      { method: 'DELETE', path: '/auth/sessions/3c951ac6-7161-4649-9695-eeeebff9c1b8' },
      204,
    ),
  ]);

export const backendAuthPact = () =>
  pact('backend-api', 'auth-service', [
    http('an introspection of a live token', { method: 'POST', path: '/auth/introspect' }, 200, {
      active: true,
      sub: '3c951ac6-7161-4649-9695-eeeebff9c1b8',
    }),
  ]);

export const webAppEventsPact = () =>
  pact('web-app', 'events', [
    {
      type: 'Synchronous/Messages',
      description: 'a ping answered by its pong',
      request: { contents: body({ frames: [{ type: 'ping' }] }) },
      response: [{ contents: body({ frames: [{ type: 'pong', at: '2026-01-02T03:04:05Z' }] }) }],
    },
    {
      type: 'Synchronous/Messages',
      description: 'a run reporting its progress',
      request: { contents: body({ frames: [] }) },
      response: [
        {
          contents: body({
            frames: [
              { type: 'progress', steps: [{ name: 'plan', items: [{ done: true }] }], result: 42 },
            ],
          }),
        },
      ],
    },
  ]);

const mesh = {
  pacticipants: {
    'auth-service': {
      kind: 'http',
      openapi: 'schemas/openapi/auth.yaml',
      url: 'http://127.0.0.1:9',
    },
    events: {
      kind: 'message',
      asyncapi: 'schemas/asyncapi/events.yaml',
      'served-by': 'auth-service',
      ws: {
        url: '/ws',
        'frame-schema': 'schemas/events/server-frame.json',
        'client-frame-schema': 'schemas/events/client-frame.json',
      },
    },
    // Nobody consumes it yet.
    billing: { kind: 'http', openapi: 'schemas/openapi/billing.yaml', url: 'http://127.0.0.1:9' },
    // Their tests copy their own pacts from those this fixture keeps aside, as a consumer's
    // contract tests would write them (side by side, so neither touches the other's files).
    'web-app': {
      kind: 'consumer',
      tests: { command: 'node ../write-pacts.cjs web-app', pacts: 'pacts' },
    },
    'backend-api': {
      kind: 'consumer',
      tests: { command: 'node ../write-pacts.cjs backend-api', pacts: 'pacts' },
    },
  },
  contracts: [
    { consumer: 'web-app', provider: 'auth-service' },
    { consumer: 'web-app', provider: 'events' },
    { consumer: 'backend-api', provider: 'auth-service' },
  ],
};

const writePacts = `
const { copyFileSync, mkdirSync, readdirSync } = require('node:fs');
const { join } = require('node:path');
const consumer = process.argv[2];
mkdirSync(process.env.MESHPACT_PACT_DIR, { recursive: true });
for (const name of readdirSync(join(__dirname, 'pacts-aside')))
  if (name.startsWith(consumer + '-'))
    copyFileSync(join(__dirname, 'pacts-aside', name), join(process.env.MESHPACT_PACT_DIR, name));
`;

export interface ReviewRepo {
  /** The git repository. */
  root: string;
  /** The team's folder in it: the mesh's root. */
  team: string;
  meshFile: string;
  /** Writes a schema file (key under schemas/) into the working tree. */
  write(key: string, content: unknown): void;
  /** Changes, in the working tree only, the pact a consumer's tests write (as a change of its code would). */
  writeConsumerPact(name: string, content: unknown): void;
  /** The working tree's schemas back to main's. */
  reset(): void;
  remove(): void;
}

function writeFile(file: string, text: string) {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

const serialize = (key: string, content: unknown) =>
  key.endsWith('.json') ? `${JSON.stringify(content, null, 2)}\n` : stringify(content);

/** The repository, committed on `main`. */
export function reviewRepo(): ReviewRepo {
  const root = mkdtempSync(join(tmpdir(), 'meshpact-review-'));
  const team = join(root, 'team');
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
      cwd: root,
      stdio: 'pipe',
    });
  const write = (key: string, content: unknown) =>
    writeFile(join(team, 'schemas', key), serialize(key, content));
  const remove = () => rmSync(root, { recursive: true, force: true });
  try {
    commitBase(root, team, write, git);
  } catch (error) {
    remove();
    throw error;
  }
  return {
    root,
    team,
    meshFile: join(team, 'mesh.yaml'),
    write,
    writeConsumerPact: (name, content) =>
      writeFile(join(root, 'pacts-aside', name), JSON.stringify(content, null, 2)),
    reset: () => {
      git('checkout', '-q', '--', 'team/schemas', 'pacts-aside');
      git('clean', '-q', '-f', '--', 'team/schemas');
    },
    remove,
  };
}

/** Writes the schemas, the mesh and the consumers' pact writer, and commits them on `main`. */
function commitBase(
  root: string,
  team: string,
  write: (key: string, content: unknown) => void,
  git: (...args: string[]) => unknown,
) {
  for (const [key, content] of Object.entries(baseSchemas())) write(key, content);
  writeFile(join(team, 'mesh.yaml'), stringify(mesh));
  const pacts = {
    'web-app-auth-service.json': webAppAuthPact(),
    'backend-api-auth-service.json': backendAuthPact(),
    'web-app-events.json': webAppEventsPact(),
  };
  for (const [name, content] of Object.entries(pacts)) {
    writeFile(join(root, 'pacts-aside', name), JSON.stringify(content, null, 2));
  }
  writeFile(join(root, 'write-pacts.cjs'), writePacts);
  writeFile(join(root, '.gitignore'), 'team/pacts/\n');
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'the schemas as they are on main');
}
